// What IMAP NOTIFY reports for a non-selected folder (RFC 5465 section 5: unsolicited STATUS), read
// once per folder and change for all sessions of this process, and which user owns a folder id the
// process-wide change feed names (the feed carries every user's folders).
import { onAnyChange } from './changes';
import { rawDb } from './raw';

export interface FolderCounts {
  messages: number;
  unseen: number;
  uidNext: number;
  uidValidity: number;
  highestModseq: bigint;
}

const MAX_CACHED = 4096;
/** Counts per folder until its next change: a thousand sessions watching one INBOX share one read. */
const counts = new Map<number, Promise<FolderCounts | null>>();
const owners = new Map<number, Promise<number | null>>();
let listening = false;

function remember<T>(cache: Map<number, T>, key: number, value: T): T {
  cache.set(key, value);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return value;
}

/** MESSAGES, UNSEEN, UIDNEXT, UIDVALIDITY and HIGHESTMODSEQ of a folder; null once it is gone. */
export function folderCounts(folderId: number): Promise<FolderCounts | null> {
  if (!listening) {
    onAnyChange((changed) => counts.delete(changed));
    listening = true;
  }
  const known = counts.get(folderId);
  if (known) return known;
  const read = rawDb()
    .read<{
      uid_next: number;
      uid_validity: number;
      highest_modseq: bigint | number | string;
      messages: number | bigint;
      unseen: number | bigint;
    }>(
      'SELECT uid_next, uid_validity, highest_modseq, (SELECT COUNT(*) FROM messages WHERE folder_id = ?) AS messages, (SELECT COUNT(*) FROM messages WHERE folder_id = ? AND seen = 0) AS unseen FROM folders WHERE id = ?',
      [folderId, folderId, folderId],
    )
    .then(([row]) =>
      row
        ? {
            messages: Number(row.messages),
            unseen: Number(row.unseen),
            uidNext: Number(row.uid_next),
            uidValidity: Number(row.uid_validity),
            highestModseq: BigInt(row.highest_modseq),
          }
        : null,
    );
  read.catch(() => counts.delete(folderId));
  return remember(counts, folderId, read);
}

/** The user a folder belongs to (folders never change owner), or null for an unknown id. */
export function folderOwner(folderId: number): Promise<number | null> {
  const known = owners.get(folderId);
  if (known) return known;
  const read = rawDb()
    .read<{ user_id: number }>('SELECT user_id FROM folders WHERE id = ?', [folderId])
    .then(([row]) => (row ? Number(row.user_id) : null));
  // Only a found owner is final: an id not (yet) visible may be a folder still being created.
  void read.then(
    (owner) => owner === null && owners.delete(folderId),
    () => owners.delete(folderId),
  );
  return remember(owners, folderId, read);
}
