// Removing messages for good (IMAP EXPUNGE, POP3 DELE at QUIT, webmail "delete forever"): rows go,
// blob references and the mailbox's used bytes drop, and each removal is a change-feed row.
import { writeTransaction } from '../core/db';
import { nextModseq } from './append';
import { notifyChange } from './changes';
import { folderOwner } from './folder-counts';
import { blobsInLockOrder, lockFolders, lockingTx, lockUsers } from './locks';
import { chunks, uidBatches } from './uid-batches';

/** Expunges the given UIDs of a folder; returns the UIDs that were actually removed. */
export async function expungeMessages(folderId: number, uids: number[]): Promise<number[]> {
  if (uids.length === 0) return [];
  const userId = await folderOwner(folderId);
  if (userId === null) return [];
  const removed = await writeTransaction('expunge', async (tx) => {
    // The store's lock order (index.ts): the user (used bytes), the folder, then blobs, then rows.
    const locking = lockingTx(tx);
    await lockUsers(locking, [userId]);
    if (!(await lockFolders(locking, [folderId])).has(folderId)) return [];
    const modseq = await nextModseq(tx, folderId);
    const rows: { id: number; uid: number; size: number; blobSha256: string }[] = [];
    for (const batch of uidBatches(uids)) {
      for (const row of await tx.message.findMany({
        where: { folderId, uid: { gte: batch.first, lte: batch.last } },
        select: { id: true, uid: true, size: true, blobSha256: true },
      }))
        if (batch.uids.has(row.uid)) rows.push(row);
    }
    if (rows.length === 0) return [];
    const perBlob = new Map<string, number>();
    for (const row of rows) perBlob.set(row.blobSha256, (perBlob.get(row.blobSha256) ?? 0) + 1);
    for (const [sha256, count] of blobsInLockOrder(perBlob))
      await tx.blob.update({ where: { sha256 }, data: { refCount: { decrement: count } } });
    const bytes = rows.reduce((sum, row) => sum + row.size, 0);
    await tx.user.update({ where: { id: userId }, data: { usedBytes: { decrement: bytes } } });
    for (const ids of chunks(rows.map((row) => row.id)))
      await tx.message.deleteMany({ where: { id: { in: ids } } });
    for (const part of chunks(
      rows.map((row) => ({ folderId, uid: row.uid, modseq, kind: 'expunge' })),
      200,
    ))
      await tx.mailChange.createMany({ data: part });
    return rows.map((row) => row.uid).sort((a, b) => a - b);
  });
  // After commit only: a retried transaction must not have told anyone about a change twice.
  if (removed.length > 0) notifyChange(folderId);
  return removed;
}
