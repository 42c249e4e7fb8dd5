// The folder-list feed (IMAP NOTIFY MailboxName / SubscriptionChange, RFC 5465 sections 5.4-5.5):
// "the folders or subscriptions of user N changed". The message feed (changes.ts) cannot carry it:
// its rows belong to one folder and go when the folder goes.
//
// Design: one counter per user, `users.folders_version`, raised in the same process that made the
// change (CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE; the webmail makes them over IMAP too).
// Listeners in this process hear it at once; other processes poll the counters of the users they
// watch (one primary-key query per process every interval, only while someone watches). A
// listener then reloads the user's folder list and diffs it against what it last saw, so nothing
// is kept or pruned in the database, a missed or doubled signal costs one reload, and a folder's
// id (kept across RENAME) tells a rename from a delete plus a create.
import { EventEmitter } from 'node:events';
import { logger } from '../core/logger';
import { rawDb } from './raw';

const feed = new EventEmitter();
feed.setMaxListeners(0);
/** Watched users: how many listeners, and the last counter value this process acted on. */
const watched = new Map<number, { listeners: number; version: number | undefined }>();
let timer: NodeJS.Timeout | undefined;
let polling = false;

async function readVersions(userIds: number[]): Promise<Map<number, number>> {
  const rows = await rawDb().read<{ id: number; folders_version: number }>(
    `SELECT id, folders_version FROM users WHERE id IN (${userIds.map(() => '?').join(', ')})`,
    userIds,
  );
  return new Map(rows.map((row) => [Number(row.id), Number(row.folders_version)]));
}

async function poll(): Promise<void> {
  if (watched.size === 0) {
    clearInterval(timer);
    timer = undefined;
    return;
  }
  if (polling) return;
  polling = true;
  try {
    const versions = await readVersions([...watched.keys()]);
    for (const [userId, version] of versions) {
      const entry = watched.get(userId);
      if (!entry || entry.version === version) continue;
      // The first reading also signals: a change may have come between a listener's own load and it.
      entry.version = version;
      feed.emit(`user:${userId}`);
    }
  } catch (error) {
    logger.warn('folder list poller query failed', { error: String(error) });
  } finally {
    polling = false;
  }
}

/** Records a change to the user's folders or subscriptions and tells every listener. */
export async function folderListChanged(userId: number): Promise<void> {
  const version = await rawDb().transaction(async (tx) => {
    await tx.run('UPDATE users SET folders_version = folders_version + 1 WHERE id = ?', [userId]);
    const [row] = await tx.all<{ folders_version: number }>(
      'SELECT folders_version FROM users WHERE id = ?',
      [userId],
    );
    return Number(row?.folders_version ?? 0);
  });
  // Listeners reload after this, so they see at least this version: the poller need not repeat it.
  const entry = watched.get(userId);
  if (entry && (entry.version === undefined || version > entry.version)) entry.version = version;
  feed.emit(`user:${userId}`);
}

/** Calls `listener` after each change to the user's folder list; returns the function that stops it. */
export function onFolderListChange(userId: number, listener: () => void, intervalMs = 250): () => void {
  const entry = watched.get(userId) ?? { listeners: 0, version: undefined };
  entry.listeners++;
  watched.set(userId, entry);
  feed.on(`user:${userId}`, listener);
  if (!timer) {
    timer = setInterval(() => void poll(), intervalMs);
    timer.unref();
  }
  void poll();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    feed.off(`user:${userId}`, listener);
    if (--entry.listeners === 0) watched.delete(userId);
  };
}
