// COPY and MOVE between folders of one mailbox (RFC 9051 sections 6.4.7-6.4.8, RFC 6851): new
// UIDs in the target, the same blob (one more reference for a copy), quota checked for a copy;
// a move deletes the sources in the same transaction, so a crash never leaves both or neither.
//
// One plain-SQL transaction (store/raw.ts), as expunge and delivery: the ORM's interactive
// transaction cost several times the SQL itself. Locks, in the store's order (index.ts): the user
// (COPY adds used bytes), both folders by id, the blobs by sha256 (exclusive for a copy's new
// references, shared for a move's foreign keys), then the message rows.
import { QuotaExceededError } from './append';
import { notifyChange } from './changes';
import { folderOwner } from './folder-counts';
import {
  blobsInLockOrder,
  type LockedFolder,
  type LockingTx,
  lockFolders,
  lockUsers,
  shareBlobs,
} from './locks';
import { rawDb } from './raw';
import { chunks, type MessageRowRef, messageRowsByUid } from './uid-batches';

export interface CopyResult {
  uidValidity: number;
  /** Pairs of source UID and new UID, in source UID order. */
  mapping: [number, number][];
}

/** Every column of a message but its id, folder, UID and MODSEQ: copied as stored. */
const COPIED_COLUMNS =
  'seen, answered, flagged, deleted, draft, keywords, internal_date, size, blob_sha256, envelope, body_structure, header_size, sent_date, subject, from_addr, to_addr, cc_addr, message_id, has_attachment, auth_result';

function placeholders(count: number): string {
  return Array(count).fill('?').join(', ');
}

/** Raises a locked folder's HIGHESTMODSEQ (and UIDNEXT by `uids`); returns the new MODSEQ. */
async function advance(tx: LockingTx, folderId: number, folder: LockedFolder, uids = 0): Promise<bigint> {
  await tx.run(
    'UPDATE folders SET uid_next = uid_next + ?, highest_modseq = highest_modseq + 1 WHERE id = ?',
    [uids, folderId],
  );
  folder.uidNext += uids;
  folder.highestModseq += 1n;
  return folder.highestModseq;
}

async function transfer(
  fromFolderId: number,
  uids: number[],
  toFolderId: number,
  isMove: boolean,
): Promise<CopyResult> {
  const owner = isMove ? null : await folderOwner(toFolderId);
  const raw = rawDb();
  const result = await raw.transaction(
    async (plainTx) => {
      const tx: LockingTx = { ...plainTx, dialect: raw.provider };
      const users = owner === null ? null : await lockUsers(tx, [owner]);
      const locked = await lockFolders(tx, [fromFolderId, toFolderId]);
      const source = locked.get(fromFolderId);
      const target = locked.get(toFolderId);
      if (!source || !target) throw new Error('folder does not exist');
      const rows: MessageRowRef[] = await messageRowsByUid(tx, fromFolderId, uids);
      rows.sort((a, b) => a.uid - b.uid);
      if (rows.length === 0) return { uidValidity: target.uidValidity, mapping: [] };
      const firstUid = target.uidNext;
      const modseq = await advance(tx, toFolderId, target, rows.length);
      if (!isMove) {
        const bytes = rows.reduce((sum, row) => sum + row.size, 0);
        const user = users?.get(target.userId);
        if (user && user.quotaBytes > 0n && user.usedBytes + BigInt(bytes) > user.quotaBytes)
          throw new QuotaExceededError(target.userId);
        await tx.run('UPDATE users SET used_bytes = used_bytes + ? WHERE id = ?', [bytes, target.userId]);
        const perBlob = new Map<string, number>();
        for (const row of rows) perBlob.set(row.blobSha256, (perBlob.get(row.blobSha256) ?? 0) + 1);
        for (const [sha256, count] of blobsInLockOrder(perBlob))
          await tx.run('UPDATE blobs SET ref_count = ref_count + ? WHERE sha256 = ?', [count, sha256]);
      } else
        await shareBlobs(
          tx,
          rows.map((row) => row.blobSha256),
        );
      // The copies are made from the stored rows in the database (no envelope or body structure
      // travels to the worker and back), the new UID picked per source row.
      const uidOf = new Map(rows.map((row, i) => [row.id, firstUid + i]));
      for (const part of chunks(rows, 200))
        await tx.run(
          `INSERT INTO messages (folder_id, uid, modseq, ${COPIED_COLUMNS}) SELECT ?, CASE id ${part.map(() => 'WHEN ? THEN ?').join(' ')} END, ?, ${COPIED_COLUMNS} FROM messages WHERE id IN (${placeholders(part.length)}) ORDER BY uid`,
          [
            toFolderId,
            ...part.flatMap((row) => [row.id, uidOf.get(row.id)!]),
            modseq,
            ...part.map((row) => row.id),
          ],
        );
      for (const part of chunks(rows, 200))
        await tx.run(
          `INSERT INTO mail_changes (folder_id, uid, modseq, kind) VALUES ${part.map(() => "(?, ?, ?, 'new')").join(', ')}`,
          part.flatMap((row) => [toFolderId, uidOf.get(row.id)!, modseq]),
        );
      if (isMove) {
        const expunged = await advance(tx, fromFolderId, source);
        for (const part of chunks(rows))
          await tx.run(
            `DELETE FROM messages WHERE id IN (${placeholders(part.length)})`,
            part.map((row) => row.id),
          );
        for (const part of chunks(rows, 200))
          await tx.run(
            `INSERT INTO mail_changes (folder_id, uid, modseq, kind) VALUES ${part.map(() => "(?, ?, ?, 'expunge')").join(', ')}`,
            part.flatMap((row) => [fromFolderId, row.uid, expunged]),
          );
      }
      return {
        uidValidity: target.uidValidity,
        mapping: rows.map((row): [number, number] => [row.uid, uidOf.get(row.id)!]),
      };
    },
    isMove ? 'move' : 'copy',
  );
  // After commit only: a retried transaction must not have told anyone about a change twice.
  if (result.mapping.length > 0) {
    notifyChange(toFolderId);
    if (isMove) notifyChange(fromFolderId);
  }
  return { uidValidity: result.uidValidity, mapping: result.mapping };
}

export function copyMessages(fromFolderId: number, uids: number[], toFolderId: number): Promise<CopyResult> {
  return transfer(fromFolderId, uids, toFolderId, false);
}

export function moveMessages(fromFolderId: number, uids: number[], toFolderId: number): Promise<CopyResult> {
  return transfer(fromFolderId, uids, toFolderId, true);
}
