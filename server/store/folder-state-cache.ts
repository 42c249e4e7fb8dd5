// SELECT's folder state (see mailbox-view.ts folderStateByName) kept in memory on MariaDB, where
// every read is a round trip to another process. SQLite needs none of this: raw.ts readCached
// answers from memory exactly, for as long as no connection anywhere has committed.
//
// Here an entry is dropped when this process changes any folder (the change feed, folder admin
// calls) and when the change poller hears that another process did, which it does at most one poll
// interval late. An entry is trusted only while the poller has run without a gap since the entry
// was read (otherwise changes could have gone unheard) and for at most MAX_AGE_MS, which bounds
// what the feed cannot tell: a folder deleted or renamed by another process (console, CLI).
import { onAnyChange } from './changes';
import { changePollerEpoch } from './change-poller';

const MAX_AGE_MS = 1000;
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  epoch: number;
  readAt: number;
}

const entries = new Map<string, Entry<unknown>>();
/** Raised by every change heard: a read that overlaps one is not kept (it may predate it). */
let generation = 0;
let listening = false;

/** Forgets every entry: a folder was created, deleted, renamed or (un)subscribed here. */
export function forgetFolderStates(): void {
  generation++;
  entries.clear();
}

/** `read()`'s answer for `key`, from memory while it is still trustworthy. */
export async function cachedFolderState<T>(key: string, read: () => Promise<T>): Promise<T> {
  if (!listening) {
    listening = true;
    onAnyChange(forgetFolderStates);
  }
  const epoch = changePollerEpoch();
  const now = Date.now();
  const known = entries.get(key);
  if (known && epoch !== null && known.epoch === epoch && now - known.readAt < MAX_AGE_MS)
    return known.value as T;
  const startedAt = generation;
  const value = await read();
  // "No such folder" is not kept: a CREATE elsewhere would not be heard until MAX_AGE_MS.
  if (value !== null && epoch !== null && epoch === changePollerEpoch() && startedAt === generation) {
    if (entries.size >= MAX_ENTRIES) entries.clear();
    entries.set(key, { value, epoch, readAt: now });
  }
  return value;
}
