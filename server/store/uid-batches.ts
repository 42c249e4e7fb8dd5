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
