// The outbound queue's public face: the worker starts the runner; the CLI and console call the
// admin functions and createDkimKey.
export { startQueueRunner, wakeQueueRunners, type QueueRunner } from './runner';
export { enqueueMessage, type NewQueueEntry } from './enqueue';
export { listQueue, retryNow, retryAll, deleteQueueEntry, bounceNow, type QueueView } from './admin';
export { createDkimKey, dkimRecord, signOutgoing, type DkimRecord } from './dkim';
export { queueSettings, type QueueSettings } from './settings';
export { resolveDestination } from './destinations';
export { buildDsn } from './dsn';
