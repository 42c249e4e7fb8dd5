// The message store's public face.
//
// Lock order. Every write transaction takes the rows it changes in this one order, and within a
// table in ascending key order, so two writers can only queue behind each other, never deadlock:
//
//   users (by id) → folders (by id) → blobs (by sha256) → messages → mail_changes
//
// A transaction may skip levels but never goes back up: delivery and APPEND lock the owners, the
// target folders, then blob references, then insert rows; EXPUNGE, COPY and DELETE folder take the
// user first (used bytes) although they start from a folder; STORE and MOVE need no user row. Blobs
// come before messages because inserting a message checks (share-locks) its blob row, a foreign
// key. The helpers are in locks.ts. Whatever still conflicts (a Galera certification failure, a
// lock wait timeout under load, SQLITE_BUSY) is run again by core/write-retry.ts, which every
// write transaction goes through (core/db.ts writeTransaction, raw.ts transaction); notifications
// are sent only after the commit, so a retried transaction has told no one anything.
export {
  appendMessage,
  appendMessagesInOrder,
  appendSpooledMessage,
  findDeliveryFolder,
  allocateUid,
  nextModseq,
  QuotaExceededError,
  type AppendTarget,
  type AppendResult,
  type AppendOptions,
  type SystemFlags,
} from './append';
export { SpoolWriter, SpooledBlob, type SpoolFile } from './spool';
export { SYNC_READ_BYTES, blobPath } from './blobs';
export { writeBlob, readBlob, readBlobOfSize, streamBlob } from './blob-store';
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
