// The webmail's server layer: an IMAP and SMTP client of our own servers, one entry point.
export {
  withImap,
  withMailbox,
  setWebmailEndpoints,
  webmailEndpoints,
  closeWebmailConnections,
  type WebmailUser,
} from './connection';
export {
  listFolders,
  createFolder,
  renameFolder,
  deleteFolder,
  folderFor,
  validateFolderName,
} from './folders';
export { listMessages, pageRange, MAX_PAGE_SIZE } from './list';
export { readMessage, readAttachment, fetchSource, attachmentUrl } from './read';
export { setFlag, moveMessages, deleteMessages, markJunk, type FlagName } from './actions';
export { searchMessages, buildSearchQuery, type SearchInput } from './search';
export { searchAllFolders } from './search-all';
export { listThreads } from './threads';
export { sendMessage, saveDraft } from './send';
export { parseRecipients, type ComposeInput, type UploadedFile, MAX_ATTACHMENT_BYTES } from './compose';
export { subscribeMailEvents, closeMailWatchers, isWatching, type MailEvent } from './live';
export { suggestAddresses } from './addresses';
export { sanitizeMailHtml } from './sanitize';
export { authVerdict } from './auth-results';
export * from './types';
