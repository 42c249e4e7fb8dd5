// Removing messages for good (IMAP EXPUNGE, POP3 DELE at QUIT, webmail "delete forever"): rows go,
// blob references and the mailbox's used bytes drop, and each removal is a change-feed row.
import { notifyChange } from './changes';
import { folderOwner } from './folder-counts';
import { blobsInLockOrder, lockFolders, lockUsers, type LockingTx } from './locks';
import { rawDb } from './raw';
import { chunks, messageRowsByUid } from './uid-batches';

function placeholders(count: number): string {
  return Array(count).fill('?').join(', ');
}

/**
 * Expunges the given UIDs of a folder; returns the UIDs that were actually removed. `onlyDeleted`
 * (IMAP EXPUNGE, CLOSE): only those still flagged \Deleted when the folder is locked, so one
 * another session has just undeleted stays.
 */
export async function expungeMessages(
  folderId: number,
  uids: number[],
  onlyDeleted = false,
): Promise<number[]> {
  if (uids.length === 0) return [];
  const userId = await folderOwner(folderId);
  if (userId === null) return [];
  // Plain SQL in one transaction (store/raw.ts), as delivery: the ORM's interactive transaction
  // cost several times the SQL itself.
  const raw = rawDb();
  const removed = await raw.transaction(async (plainTx) => {
    // The store's lock order (index.ts): the user (used bytes), the folder, then blobs, then rows.
    const tx: LockingTx = { ...plainTx, dialect: raw.provider };
    // The locks, the MODSEQ bump and the rows' read go out together (pipelined, see RawTx): the
    // locked folder row's HIGHESTMODSEQ plus one is the new MODSEQ, as no one else can change it.
    const locks = Promise.all([lockUsers(tx, [userId]), lockFolders(tx, [folderId])]);
    // SQLite runs a statement when it is called, and the helpers' reads follow an await there: the
    // folder must be read before the bump (free there: no round trips).
    if (tx.dialect === 'sqlite') await locks;
    const [[, folders], , rows] = await Promise.all([
      locks,
      tx.run('UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id = ?', [folderId]),
      messageRowsByUid(tx, folderId, uids, onlyDeleted),
    ]);
    const folder = folders.get(folderId);
    if (!folder || rows.length === 0) return [];
    const modseq = folder.highestModseq + 1n;
    const perBlob = new Map<string, number>();
    for (const row of rows) perBlob.set(row.blobSha256, (perBlob.get(row.blobSha256) ?? 0) + 1);
    const bytes = rows.reduce((sum, row) => sum + row.size, 0);
    // The writes at once too (pipelined), blobs in their lock order first.
    const writes: Promise<void>[] = [];
    for (const [sha256, count] of blobsInLockOrder(perBlob))
      writes.push(tx.run('UPDATE blobs SET ref_count = ref_count - ? WHERE sha256 = ?', [count, sha256]));
    writes.push(tx.run('UPDATE users SET used_bytes = used_bytes - ? WHERE id = ?', [bytes, userId]));
    for (const ids of chunks(rows.map((row) => row.id)))
      writes.push(tx.run(`DELETE FROM messages WHERE id IN (${placeholders(ids.length)})`, ids));
    for (const part of chunks(rows, 200))
      writes.push(
        tx.run(
          `INSERT INTO mail_changes (folder_id, uid, modseq, kind) VALUES ${part.map(() => "(?, ?, ?, 'expunge')").join(', ')}`,
          part.flatMap((row) => [folderId, row.uid, modseq]),
        ),
      );
    await Promise.all(writes);
    return rows.map((row) => row.uid).sort((a, b) => a - b);
  }, 'expunge');
  // After commit only: a retried transaction must not have told anyone about a change twice.
  if (removed.length > 0) notifyChange(folderId);
  return removed;
}
