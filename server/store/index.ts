// The message store's public face.
export { appendMessage, findDeliveryFolder, allocateUid, nextModseq, QuotaExceededError, type AppendTarget, type AppendResult, type SystemFlags } from './append';
export { writeBlob, readBlob, streamBlob, blobPath } from './blobs';
export { notifyChange, onFolderChange, onAnyChange } from './changes';
export { DEFAULT_FOLDERS, createDefaultFolders, newUidValidity } from './folders';
export { expungeMessages } from './expunge';
