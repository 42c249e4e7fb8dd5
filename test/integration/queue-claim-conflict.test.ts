// The outbound queue claimed by two separate processes at once (real child processes, each with
// its own connection pool: queue-claim-conflict-child.ts), three claimers in each: claimDue
// (server/queue/claim.ts) hands out batches while the others end entries (removeEntry,
// server/queue/finish.ts: the row goes, the shared blob's reference count drops) or give them back
// deferred, one process in ascending and the other in descending id order, over rows whose due
// times run opposite to their ids. Every entry is handed to exactly one process at a time (an
// entry given back once is claimed exactly twice in all, any other exactly once), ended exactly
// once, and the one blob all of them share ends with no reference; lock conflicts (deadlocks,
// lock waits) are retried (core/write-retry.ts), never surfaced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { createTestDatabase, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { closeDb, db } from '../../server/core/db';
import { enqueueMessage } from '../../server/queue/enqueue';

const ENTRIES = 300;
const child = join(import.meta.dirname, 'queue-claim-conflict-child.ts');

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database.cleanup();
});

interface ChildResult {
  workerId: string;
  claims: number[][];
  ended: number[];
  deferred: number[];
}

function runChild(workerId: string, order: 'asc' | 'desc') {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, workerId, order], {
    env: { ...process.env, POSTROOM_LOG: '', POSTROOM_DEBUG: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const retries = new Map<string, number>();
  let result: ChildResult | undefined;
  const errors: string[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      const parsed = JSON.parse(line) as { msg?: string; label?: string; result?: ChildResult };
      if (parsed.result) result = parsed.result;
      if (parsed.msg === 'write transaction conflicted, retrying')
        retries.set(parsed.label!, (retries.get(parsed.label!) ?? 0) + 1);
    } catch {
      errors.push(line);
    }
  });
  createInterface({ input: proc.stderr }).on('line', (line) => errors.push(line));
  return new Promise<{
    code: number | null;
    result?: ChildResult;
    retries: Map<string, number>;
    errors: string[];
  }>((resolve) => proc.on('close', (code) => resolve({ code, result, retries, errors })));
}

test('two processes claiming and ending the same queue rows at once: each entry handed out and ended exactly once', async (t) => {
  const content = Buffer.from('From: a@example.org\r\nTo: b@example.net\r\nSubject: queued\r\n\r\nhello\r\n');
  for (let n = 0; n < ENTRIES; n++)
    await enqueueMessage({ sender: 'a@example.org', recipients: [`r${n}@example.net`], content });
  const rows = await db().queueEntry.findMany({
    select: { id: true, blobSha256: true },
    orderBy: { id: 'asc' },
  });
  assert.equal(rows.length, ENTRIES);
  const now = Date.now();
  const toDefer = new Set<number>();
  for (const [i, row] of rows.entries()) {
    // due times run opposite to ids: the claim's index order against the ending order
    await db().queueEntry.update({
      where: { id: row.id },
      data: {
        nextAttemptAt: new Date(now - 60_000 - i * 1000),
        lastReply: i % 4 === 0 ? 'defer once' : null,
      },
    });
    if (i % 4 === 0) toDefer.add(row.id);
  }
  const blob = rows[0]!.blobSha256;
  assert.equal((await db().blob.findUniqueOrThrow({ where: { sha256: blob } })).refCount, ENTRIES);
  await closeDb();

  const [a, b] = await Promise.all([runChild('conflict-a', 'asc'), runChild('conflict-b', 'desc')]);
  for (const run of [a, b]) assert.equal(run.code, 0, run.errors.slice(-20).join('\n'));
  const results = [a.result!, b.result!];
  assert.ok(
    results.every((result) => result.claims.length > 0),
    'both processes were handed entries',
  );

  const claimed = new Map<number, number>();
  for (const result of results)
    for (const batch of result.claims) for (const id of batch) claimed.set(id, (claimed.get(id) ?? 0) + 1);
  const ended = new Map<number, number>();
  for (const result of results) for (const id of result.ended) ended.set(id, (ended.get(id) ?? 0) + 1);
  const deferred = results.flatMap((result) => result.deferred).sort((x, y) => x - y);
  assert.deepEqual(
    deferred,
    [...toDefer].sort((x, y) => x - y),
    'each marked entry given back once',
  );
  for (const { id } of rows) {
    assert.equal(claimed.get(id), toDefer.has(id) ? 2 : 1, `entry ${id} handed out once per round`);
    assert.equal(ended.get(id), 1, `entry ${id} ended exactly once`);
  }
  assert.equal(await db().queueEntry.count(), 0);
  assert.equal(await db().queueRecipient.count(), 0);
  assert.equal(
    (await db().blob.findUniqueOrThrow({ where: { sha256: blob } })).refCount,
    0,
    'every ending released its reference once',
  );
  const retried = [...a.retries, ...b.retries];
  t.diagnostic(
    `${TEST_PROVIDER}: batches ${results.map((r) => r.claims.length).join('+')}, retried: ${retried.length ? retried.map(([label, n]) => `${label} ${n}`).join(', ') : 'none'}`,
  );
});
