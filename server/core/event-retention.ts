// Deletes event-log rows older than the retention, a few thousand at a time so MariaDB never holds
// one huge transaction (or its undo log) and SQLite's writer lock is let go between batches.
import { db } from './db';

const BATCH = 5000;

export async function pruneEvents(retentionDays: number, now = Date.now()): Promise<number> {
  const before = new Date(now - retentionDays * 86_400_000);
  let pruned = 0;
  for (;;) {
    const rows = await db().event.findMany({
      where: { time: { lt: before } },
      select: { id: true },
      orderBy: { time: 'asc' },
      take: BATCH,
    });
    if (rows.length === 0) return pruned;
    const result = await db().event.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
    pruned += result.count;
    if (rows.length < BATCH) return pruned;
  }
}
