// SELECT's folder state (see mailbox-view.ts folderStateByName) kept in memory on MariaDB, where
// every read is a round trip to another process. SQLite needs none of this: raw.ts readCached
// answers from memory exactly, for as long as no connection anywhere has committed.
//
// Here a folder's entries are dropped when this process changes that folder (the change feed) or
// any folder's name or subscription (folder admin calls, which drop all), and when the change poller
// hears that another process changed it, which it does at most one poll interval late. An entry is trusted only while the poller has run without a gap since the entry
// was read (otherwise changes could have gone unheard) and for at most MAX_AGE_MS, which bounds
// what the feed cannot tell: a folder deleted or renamed by another process (console, CLI).
import { onAnyChange } from './changes';
import { changePollerEpoch } from './change-poller';

const MAX_AGE_MS = 1000;
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  folderId: number;
  epoch: number;
  readAt: number;
}

const entries = new Map<string, Entry<unknown>>();
/** The keys remembered per folder id, so a change drops only its own folder's entries. */
const keysOf = new Map<number, Set<string>>();
/** Raised by every change heard; the value it had at each folder's last change, and at the last "all". */
let sequence = 0;
const changedAt = new Map<number, number>();
let allChangedAt = 0;
let listening = false;

/** Forgets every entry: a folder was created, deleted, renamed or (un)subscribed here. */
export function forgetFolderStates(): void {
  allChangedAt = ++sequence;
  entries.clear();
  keysOf.clear();
  changedAt.clear();
}

/**
 * Forgets one folder's entries (it changed). Under load some folder changes all the time: dropping
 * everything on each change left the cache nearly always empty.
 */
export function forgetFolderState(folderId: number): void {
  changedAt.set(folderId, ++sequence);
  if (changedAt.size > MAX_ENTRIES) forgetFolderStates();
  for (const key of keysOf.get(folderId) ?? []) entries.delete(key);
  keysOf.delete(folderId);
}

/** `read()`'s answer for `key`, from memory while it is still trustworthy. */
export async function cachedFolderState<T>(
  key: string,
  read: () => Promise<T>,
  folderIdOf: (value: T) => number,
): Promise<T> {
  if (!listening) {
    listening = true;
    onAnyChange(forgetFolderState);
  }
  const epoch = changePollerEpoch();
  const now = Date.now();
  const known = entries.get(key);
  if (known && epoch !== null && known.epoch === epoch && now - known.readAt < MAX_AGE_MS)
    return known.value as T;
  const startedAt = sequence;
  const value = await read();
  // "No such folder" is not kept: a CREATE elsewhere would not be heard until MAX_AGE_MS.
  if (value === null || epoch === null || epoch !== changePollerEpoch()) return value;
  // Nor a read that overlapped a change of its folder (it may predate it).
  const folderId = folderIdOf(value);
  if (allChangedAt > startedAt || (changedAt.get(folderId) ?? 0) > startedAt) return value;
  if (entries.size >= MAX_ENTRIES) forgetFolderStates();
  entries.set(key, { value, folderId, epoch, readAt: now });
  let keys = keysOf.get(folderId);
  if (!keys) keysOf.set(folderId, (keys = new Set()));
  keys.add(key);
  return value;
}
