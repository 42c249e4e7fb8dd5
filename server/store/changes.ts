// The change feed. Writers in this process call notifyChange() after commit; listeners in this
// process hear it at once. Listeners in other worker processes hear it through a poller that reads
// `mail_changes` rows newer than the last one it saw (one query per process, not per session).
import { EventEmitter } from 'node:events';

const feed = new EventEmitter();
feed.setMaxListeners(0);

export function notifyChange(folderId: number): void {
  feed.emit(`folder:${folderId}`);
  feed.emit('any', folderId);
}

export function onFolderChange(folderId: number, listener: () => void): () => void {
  feed.on(`folder:${folderId}`, listener);
  return () => feed.off(`folder:${folderId}`, listener);
}

export function onAnyChange(listener: (folderId: number) => void): () => void {
  feed.on('any', listener);
  return () => feed.off('any', listener);
}
