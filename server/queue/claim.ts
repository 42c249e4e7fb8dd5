// Claiming due queue entries so that several workers never send the same message twice: on
// MariaDB the rows are picked with SELECT ... FOR UPDATE SKIP LOCKED and marked in the same
// transaction; on SQLite (one worker) a guarded update does. A claim lapses after claimMs, so
// the entries of a worker that died go back to the queue.
import { db, provider, writeTransaction } from '../core/db';
import type { QueueSettings } from './settings';

export const ACTIVE = ['queued', 'deferred'];

export async function claimDue(workerId: string, settings: QueueSettings): Promise<number[]> {
  const now = new Date();
  const lockedUntil = new Date(now.getTime() + settings.claimMs);
  const limit = Math.max(1, Math.floor(settings.batchSize));
  if (provider() === 'mysql') {
    return writeTransaction('queue claim', async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ id: number }[]>(
        `SELECT id FROM queue_entries WHERE status IN ('queued', 'deferred') AND next_attempt_at <= UTC_TIMESTAMP(3)
           AND (locked_until IS NULL OR locked_until < UTC_TIMESTAMP(3)) ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
      );
      const ids = rows.map((row) => Number(row.id));
      if (ids.length)
        await tx.queueEntry.updateMany({
          where: { id: { in: ids } },
          data: { lockedBy: workerId, lockedUntil },
        });
      return ids;
    });
  }
  const due = {
    status: { in: ACTIVE },
    nextAttemptAt: { lte: now },
    OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }],
  };
  const rows = await db().queueEntry.findMany({
    where: due,
    orderBy: { nextAttemptAt: 'asc' },
    take: limit,
    select: { id: true },
  });
  const ids: number[] = [];
  for (const row of rows) {
    const claimed = await db().queueEntry.updateMany({
      where: { id: row.id, ...due },
      data: { lockedBy: workerId, lockedUntil },
    });
    if (claimed.count === 1) ids.push(row.id);
  }
  return ids;
}

/** Keeps this worker's claims on entries still being attempted from lapsing. */
export async function renewClaims(workerId: string, ids: number[], settings: QueueSettings): Promise<void> {
  if (ids.length === 0) return;
  await db().queueEntry.updateMany({
    where: { id: { in: ids }, lockedBy: workerId },
    data: { lockedUntil: new Date(Date.now() + settings.claimMs) },
  });
}

/** Gives back every claim of this worker (it is stopping): the entries are due again at once. */
export async function releaseClaims(workerId: string): Promise<number> {
  const released = await db().queueEntry.updateMany({
    where: { lockedBy: workerId },
    data: { lockedBy: null, lockedUntil: null },
  });
  return released.count;
}

/** Makes entries that were put off for a busy destination due now (a slot came free). */
export async function makeDueNow(ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db().queueEntry.updateMany({
    where: { id: { in: ids }, lockedBy: null },
    data: { nextAttemptAt: new Date() },
  });
}
