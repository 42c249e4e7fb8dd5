// Bringing accounts and mail in from other servers, and mail out: the CLI and the console call
// these (server/cli/commands/import.ts, export.ts; the webmail's mbox download).
export type { AccountsSnapshot, ImportedAlias, ImportedMailbox } from './accounts';
export { readSqlAccounts, SourceError } from './sql-source';
export {
  planAccountImport,
  applyAccountImport,
  describeHash,
  type ImportStep,
  type StepOutcome,
} from './apply-accounts';
export { importMaildir, importMbox, type FileImportReport } from './files';
export { exportMaildir, exportMbox, mboxChunks, resolveFolder } from './export';
export { MessageSink, type IncomingMessage } from './message-sink';
export { Progress } from './progress';
export { importFromImap, targetFolder, type ImapSource, type ImapImportReport } from './imap-source';
export {
  parseMailboxCsv,
  createMailboxes,
  MAX_BULK_ROWS,
  type BulkRow,
  type BulkOutcome,
} from './bulk-mailboxes';
export {
  parseImportCsv,
  startImportBatch,
  getImportBatch,
  MAX_IMPORT_ROWS,
  type ImportBatchStatus,
  type ImportRowStatus,
  type ImportServer,
} from './imap-batch';
