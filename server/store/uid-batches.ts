// Bounded queries over many UIDs: SQLite (through Prisma's adapter) refuses statements with more
// than a few hundred bound parameters, and MariaDB gets slow with huge IN lists. Sorted UIDs are
// cut into batches read by UID range (one query per run of near-consecutive UIDs) and filtered.
export const MAX_IN = 500;

export interface UidBatch {
  first: number;
  last: number;
  /** Whether a UID in first..last was asked for. */
  uids: Pick<ReadonlySet<number>, 'has'>;
}

/** Batches of ascending UIDs: at most `size` UIDs, spanning at most 4 x `size` UID values. */
export function uidBatches(uids: ArrayLike<number>, size = 1000): UidBatch[] {
  const sorted = Array.from(uids)
    .sort((a, b) => a - b)
    .filter((uid, i, all) => i === 0 || uid !== all[i - 1]);
  const out: UidBatch[] = [];
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i]!;
    let j = i;
    while (j + 1 < sorted.length && j + 1 - i < size && sorted[j + 1]! - first < size * 4) j++;
    const last = sorted[j]!;
    // A run with no gaps (1:* of a folder, the usual case) needs no set: the range says it all.
    const dense = last - first === j - i;
    out.push({
      first,
      last,
      uids: dense ? { has: (uid: number) => uid >= first && uid <= last } : new Set(sorted.slice(i, j + 1)),
    });
    i = j + 1;
  }
  return out;
}

/** Splits a list for `IN (...)` clauses. */
export function chunks<T>(items: T[], size = MAX_IN): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A message row as the writers (COPY, MOVE, EXPUNGE) need it. */
export interface MessageRowRef {
  id: number;
  uid: number;
  size: number;
  blobSha256: string;
}

/**
 * The folder's messages with these UIDs, in UID order, read in bounded batches inside `tx` (all
 * batches sent at once: pipelined on MariaDB, see RawTx). `onlyDeleted`: those still \Deleted.
 */
export async function messageRowsByUid(
  tx: { all<T>(sql: string, params?: (string | number | boolean)[]): Promise<T[]> },
  folderId: number,
  uids: ArrayLike<number>,
  onlyDeleted = false,
): Promise<MessageRowRef[]> {
  const rows: MessageRowRef[] = [];
  const batches = uidBatches(uids);
  const sql = `SELECT id, uid, size, blob_sha256 FROM messages WHERE folder_id = ? AND uid >= ? AND uid <= ?${onlyDeleted ? ' AND deleted = ?' : ''} ORDER BY uid`;
  const results = await Promise.all(
    batches.map((batch) =>
      tx.all<{ id: number; uid: number; size: number; blob_sha256: string }>(
        sql,
        onlyDeleted ? [folderId, batch.first, batch.last, true] : [folderId, batch.first, batch.last],
      ),
    ),
  );
  for (const [i, batch] of batches.entries()) {
    const found = results[i]!;
    for (const row of found)
      if (batch.uids.has(Number(row.uid)))
        rows.push({
          id: Number(row.id),
          uid: Number(row.uid),
          size: Number(row.size),
          blobSha256: String(row.blob_sha256),
        });
  }
  return rows;
}
