// The message store's public face.
export {
  appendMessage,
  findDeliveryFolder,
  allocateUid,
  nextModseq,
  QuotaExceededError,
  type AppendTarget,
  type AppendResult,
  type SystemFlags,
} from './append';
export { writeBlob, readBlob, readBlobOfSize, SYNC_READ_BYTES, streamBlob, blobPath } from './blobs';
export { notifyChange, onFolderChange, onAnyChange } from './changes';
export { DEFAULT_FOLDERS, createDefaultFolders, newUidValidity } from './folders';
export { expungeMessages } from './expunge';
export { expungeHistoryFloor } from './change-retention';
export {
  folderStateByName,
  folderUids,
  changesAfter,
  readFlags,
  readMessages,
  flagsChangedSince,
  expungedSince,
  lastChangeId,
  deletedUids,
  claimRecent,
  recentMark,
  folderKeywords,
  readSortRows,
  readReferences,
  readEnvelopes,
  type SortRow,
  type FolderView,
  type FolderState,
  type FolderChange,
  type FlagRow,
  type MessageRow,
} from './mailbox-view';
export {
  listFolders,
  findFolder,
  createFolder,
  deleteFolder,
  renameFolder,
  setSubscribed,
  danglingSubscriptions,
  folderStatus,
  userQuota,
  normaliseFolderName,
  FolderError,
  DELIMITER,
  type FolderInfo,
  type FolderStatus,
} from './folders-admin';
export { updateFlags, type FlagChange, type FlagOperation, type FlagUpdateResult } from './flags';
export { copyMessages, moveMessages, type CopyResult } from './copy';
export { holdChangePoller } from './change-poller';
export { searchMessages, type SearchNode } from './search';
