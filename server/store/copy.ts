// COPY and MOVE between folders of one mailbox (RFC 9051 sections 6.4.7-6.4.8, RFC 6851): new
// UIDs in the target, the same blob (one more reference for a copy), quota checked for a copy;
// a move deletes the sources in the same transaction, so a crash never leaves both or neither.
//
// Locks, in the store's order (index.ts): the user (COPY adds used bytes), both folders by id, the
// blobs by sha256 (exclusive for a copy's new references, shared for a move's foreign keys).
import { type Tx, writeTransaction } from '../core/db';
import { nextModseq, QuotaExceededError } from './append';
import { notifyChange } from './changes';
import { folderOwner } from './folder-counts';
import { blobsInLockOrder, lockFolders, lockingTx, lockUsers, shareBlobs } from './locks';
import { chunks, uidBatches } from './uid-batches';

export interface CopyResult {
  uidValidity: number;
  /** Pairs of source UID and new UID, in source UID order. */
  mapping: [number, number][];
}

async function copyRows(
  tx: Tx,
  fromFolderId: number,
  uids: number[],
  toFolderId: number,
  isMove: boolean,
): Promise<CopyResult & { rows: { id: number; uid: number }[] }> {
  const locking = lockingTx(tx);
  if (!isMove) {
    const owner = await folderOwner(toFolderId);
    if (owner !== null) await lockUsers(locking, [owner]);
  }
  const locked = await lockFolders(locking, [fromFolderId, toFolderId]);
  if (!locked.has(fromFolderId) || !locked.has(toFolderId)) throw new Error('folder does not exist');
  const rows = [];
  for (const batch of uidBatches(uids)) {
    for (const row of await tx.message.findMany({
      where: { folderId: fromFolderId, uid: { gte: batch.first, lte: batch.last } },
      orderBy: { uid: 'asc' },
    }))
      if (batch.uids.has(row.uid)) rows.push(row);
  }
  if (rows.length === 0) {
    const target = await tx.folder.findUniqueOrThrow({
      where: { id: toFolderId },
      select: { uidValidity: true },
    });
    return { uidValidity: target.uidValidity, mapping: [], rows: [] };
  }
  const target = await tx.folder.update({
    where: { id: toFolderId },
    data: { uidNext: { increment: rows.length }, highestModseq: { increment: 1 } },
    select: { uidNext: true, highestModseq: true, uidValidity: true, userId: true },
  });
  const firstUid = target.uidNext - rows.length;
  const modseq = target.highestModseq;
  if (!isMove) {
    const bytes = rows.reduce((sum, row) => sum + row.size, 0);
    const user = await tx.user.update({
      where: { id: target.userId },
      data: { usedBytes: { increment: bytes } },
      select: { usedBytes: true, quotaBytes: true },
    });
    if (user.quotaBytes > 0n && user.usedBytes > user.quotaBytes) throw new QuotaExceededError(target.userId);
    const perBlob = new Map<string, number>();
    for (const row of rows) perBlob.set(row.blobSha256, (perBlob.get(row.blobSha256) ?? 0) + 1);
    for (const [sha256, count] of blobsInLockOrder(perBlob))
      await tx.blob.update({ where: { sha256 }, data: { refCount: { increment: count } } });
  } else
    await shareBlobs(
      locking,
      rows.map((row) => row.blobSha256),
    );
  const copies = rows.map(({ id: _id, folderId: _folder, uid: _uid, modseq: _modseq, ...rest }, i) => ({
    ...rest,
    folderId: toFolderId,
    uid: firstUid + i,
    modseq,
  }));
  for (const part of chunks(copies, 30)) await tx.message.createMany({ data: part });
  for (const part of chunks(
    rows.map((_, i) => ({ folderId: toFolderId, uid: firstUid + i, modseq, kind: 'new' })),
    200,
  ))
    await tx.mailChange.createMany({ data: part });
  return {
    uidValidity: target.uidValidity,
    mapping: rows.map((row, i) => [row.uid, firstUid + i]),
    rows: rows.map((row) => ({ id: row.id, uid: row.uid })),
  };
}

export async function copyMessages(
  fromFolderId: number,
  uids: number[],
  toFolderId: number,
): Promise<CopyResult> {
  const result = await writeTransaction('copy', (tx) => copyRows(tx, fromFolderId, uids, toFolderId, false));
  if (result.mapping.length > 0) notifyChange(toFolderId);
  return { uidValidity: result.uidValidity, mapping: result.mapping };
}

export async function moveMessages(
  fromFolderId: number,
  uids: number[],
  toFolderId: number,
): Promise<CopyResult> {
  const result = await writeTransaction('move', async (tx) => {
    const copied = await copyRows(tx, fromFolderId, uids, toFolderId, true);
    if (copied.rows.length > 0) {
      const modseq = await nextModseq(tx, fromFolderId);
      for (const ids of chunks(copied.rows.map((row) => row.id)))
        await tx.message.deleteMany({ where: { id: { in: ids } } });
      for (const part of chunks(
        copied.rows.map((row) => ({ folderId: fromFolderId, uid: row.uid, modseq, kind: 'expunge' })),
        200,
      ))
        await tx.mailChange.createMany({ data: part });
    }
    return copied;
  });
  if (result.mapping.length > 0) {
    notifyChange(toFolderId);
    notifyChange(fromFolderId);
  }
  return { uidValidity: result.uidValidity, mapping: result.mapping };
}
