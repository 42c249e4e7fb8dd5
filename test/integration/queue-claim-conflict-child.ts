// One of the two processes of queue-claim-conflict.test.ts: its own Prisma connection pool on the
// test database, LANES claimers at once, each claiming a batch (server/queue/claim.ts), deferring
// the entries the test marked (as process.ts does: claim given back, due again) or ending them
// (server/queue/finish.ts removeEntry), in ascending or descending id order as told. It prints
// one JSON line: every batch it was handed and every entry it ended.
import { claimDue } from '../../server/queue/claim';
import { removeEntry } from '../../server/queue/finish';
import { closeDb, db } from '../../server/core/db';
import type { QueueSettings } from '../../server/queue/settings';

const workerId = process.argv[2]!;
const descending = process.argv[3] === 'desc';
const LANES = Number(process.env.CONFLICT_LANES) || 3;
const settings = { claimMs: 10 * 60_000, batchSize: 7 } as QueueSettings;

const claims: number[][] = [];
const ended: number[] = [];
const deferred: number[] = [];

async function lane(): Promise<void> {
  let idle = 0;
  for (;;) {
    const ids = await claimDue(workerId, settings);
    if (ids.length === 0) {
      // the other process may still hold some, or give some back: stop when none is left
      if ((await db().queueEntry.count()) === 0 || ++idle > 400) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    idle = 0;
    claims.push(ids);
    const order = [...ids].sort((a, b) => (descending ? b - a : a - b));
    for (const id of order) {
      const entry = await db().queueEntry.findUniqueOrThrow({
        where: { id },
        select: { attempts: true, lastReply: true },
      });
      if (entry.lastReply === 'defer once' && entry.attempts === 0) {
        await db().queueEntry.update({
          where: { id },
          data: {
            status: 'deferred',
            attempts: 1,
            nextAttemptAt: new Date(),
            lockedBy: null,
            lockedUntil: null,
          },
        });
        deferred.push(id);
      } else {
        await removeEntry(id);
        ended.push(id);
      }
    }
  }
}

await Promise.all(Array.from({ length: LANES }, lane));
process.stdout.write(`${JSON.stringify({ result: { workerId, claims, ended, deferred } })}\n`);
await closeDb();
