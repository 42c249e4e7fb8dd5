// The store's lock order (server/store/index.ts) and the write retry (server/core/write-retry.ts),
// at the level of the store's functions. On MariaDB the interleavings that used to deadlock are
// forced: another connection holds the user's row while a delivery and then an EXPUNGE (or COPY)
// line up behind it; with the old order the EXPUNGE held the folder and waited for the user while
// the delivery held the user and waited for the folder (1213). Retries are off for those tests, so
// only the order can make them pass. SQLite has no row locks: there the injected-error tests run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mariadb from 'mariadb';
import { createTestDatabase, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { mariadbOptions } from '../../server/core/database-url';
import { writeTransaction } from '../../server/core/db';
import {
  appendMessage,
  copyMessages,
  expungeMessages,
  findDeliveryFolder,
  findFolder,
} from '../../server/store';
import { rawDb } from '../../server/store/raw';

let testDb: TestDatabase;
let userId: number;
let inbox: number;
let trash: number;
const onMysql = TEST_PROVIDER === 'mysql';

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  userId = (await addMailbox({ address: 'alice@example.org', password: 'Correct-horse-9-battery' })).id;
  inbox = await findDeliveryFolder(userId);
  trash = (await findFolder(userId, 'Trash'))!.id;
});
after(async () => {
  await testDb.cleanup();
});

let counter = 0;
const message = () =>
  Buffer.from(`Subject: locking ${++counter}\r\nFrom: a@example.net\r\n\r\nbody ${counter}\r\n`);

function withRetries<T>(count: number, work: () => Promise<T>): Promise<T> {
  const saved = process.env.POSTROOM_DB_WRITE_RETRIES;
  process.env.POSTROOM_DB_WRITE_RETRIES = String(count);
  const restore = () => {
    if (saved === undefined) delete process.env.POSTROOM_DB_WRITE_RETRIES;
    else process.env.POSTROOM_DB_WRITE_RETRIES = saved;
  };
  return work().finally(restore);
}

async function adminConnection(): Promise<mariadb.Connection> {
  return mariadb.createConnection(mariadbOptions(testDb.url!));
}

/** Another client holds the user's row until released (a long transaction of someone else). */
async function holdUserRow(): Promise<() => Promise<void>> {
  const conn = await adminConnection();
  await conn.beginTransaction();
  await conn.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [userId]);
  let released: Promise<void> | undefined;
  // Idempotent, so a failed test can release it again in `finally` and not block the next tests.
  return () => (released ??= conn.commit().then(() => conn.end()));
}

/**
 * Waits until `count` statements on this test's database are stuck on the users table: with the
 * row held by `holdUserRow`, every statement there in flight is waiting for that lock.
 */
async function lockWaiters(count: number): Promise<void> {
  const conn = await adminConnection();
  try {
    const database = mariadbOptions(testDb.url!).database;
    for (const deadline = Date.now() + 60_000; ; ) {
      const [row] = (await conn.query(
        `SELECT COUNT(*) AS waiting FROM information_schema.PROCESSLIST
          WHERE DB = ? AND COMMAND IN ('Query', 'Execute') AND INFO LIKE '%users%'
            AND INFO NOT LIKE '%information_schema%'`,
        [database],
      )) as { waiting: bigint | number }[];
      if (Number(row!.waiting) >= count) return;
      if (Date.now() > deadline) throw new Error(`never saw ${count} lock waiters (${row!.waiting})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await conn.end();
  }
}

test('a delivery and an EXPUNGE of one user queue behind each other instead of deadlocking', {
  skip: !onMysql,
}, async () => {
  await withRetries(0, async () => {
    const [first] = await appendMessage(message(), [{ folderId: inbox }]);
    const release = await holdUserRow();
    const delivery = appendMessage(message(), [{ folderId: inbox }]);
    const expunge = lockWaiters(1).then(() => expungeMessages(inbox, [first!.uid]));
    await lockWaiters(2).finally(release);
    const [delivered, expunged] = await Promise.allSettled([delivery, expunge]);
    assert.equal(delivered.status, 'fulfilled', String((delivered as PromiseRejectedResult).reason));
    assert.deepEqual(expunged.status === 'fulfilled' ? expunged.value : expunged.reason, [first!.uid]);
  });
});

test('a delivery and a COPY into the same mailbox queue behind each other instead of deadlocking', {
  skip: !onMysql,
}, async () => {
  await withRetries(0, async () => {
    const [source] = await appendMessage(message(), [{ folderId: trash }]);
    const release = await holdUserRow();
    const delivery = appendMessage(message(), [{ folderId: inbox }]);
    const copy = lockWaiters(1).then(() => copyMessages(trash, [source!.uid], inbox));
    await lockWaiters(2).finally(release);
    const [delivered, copied] = await Promise.allSettled([delivery, copy]);
    assert.equal(delivered.status, 'fulfilled', String((delivered as PromiseRejectedResult).reason));
    assert.equal(copied.status, 'fulfilled', String((copied as PromiseRejectedResult).reason));
    assert.equal((copied as PromiseFulfilledResult<{ mapping: unknown[] }>).value.mapping.length, 1);
  });
});

test('a real deadlock between two raw transactions is retried: both commit', { skip: !onMysql }, async () => {
  const other = await addMailbox({ address: 'bob@example.org', password: 'Correct-horse-9-battery' });
  let arrived = 0;
  let bothIn!: () => void;
  const gate = new Promise<void>((resolve) => (bothIn = resolve));
  let attempts = 0;
  // Deliberately the opposite order in each: the store never does this, a test may.
  const take = (first: number, second: number) =>
    rawDb().transaction(async (tx) => {
      attempts++;
      await tx.run('UPDATE users SET display_name = display_name WHERE id = ?', [first]);
      if (++arrived === 2) bothIn();
      await gate;
      await tx.run('UPDATE users SET display_name = display_name WHERE id = ?', [second]);
      return first;
    }, 'test deadlock');
  const results = await withRetries(3, () => Promise.all([take(userId, other.id), take(other.id, userId)]));
  assert.deepEqual(results, [userId, other.id]);
  assert.ok(attempts >= 3, `the deadlock victim ran again (${attempts} attempts)`);
});

test('a deadlock in the middle of pipelined statements commits none of those sent behind it', {
  skip: !onMysql,
}, async () => {
  // MariaDB rolls a deadlock victim back at the failing statement; the statements already sent
  // behind it then ran and committed one by one (START TRANSACTION), and the retry did them again:
  // how the Galera test stored one message twice. Here the victim's pipelined tail marks a row,
  // so a mark committed by the failed attempt shows as a second one.
  const bob = await addMailbox({ address: 'bob-pipe@example.org', password: 'Correct-horse-9-battery' });
  const carol = await addMailbox({ address: 'carol-pipe@example.org', password: 'Correct-horse-9-battery' });
  const other = await adminConnection();
  // The other transaction is made heavy (many rows written) so that InnoDB picks ours as victim.
  await other.query('CREATE TABLE pipeline_weight (id INT PRIMARY KEY)');
  await other.beginTransaction();
  await other.query(
    `INSERT INTO pipeline_weight (id) VALUES ${Array.from({ length: 200 }, (_, i) => `(${i})`).join(',')}`,
  );
  await other.query('UPDATE users SET display_name = display_name WHERE id = ?', [bob.id]);
  let attempts = 0;
  let otherDone: Promise<unknown> | undefined;
  try {
    await withRetries(3, () =>
      rawDb().transaction(async (tx) => {
        attempts++;
        await tx.run('UPDATE users SET display_name = display_name WHERE id = ?', [userId]);
        // Pipelined: the first waits for bob's row, the second is queued behind it.
        const waiting = tx.run('UPDATE users SET display_name = display_name WHERE id = ?', [bob.id]);
        const mark = tx.run(
          "UPDATE users SET display_name = CONCAT(COALESCE(display_name, ''), '+') WHERE id = ?",
          [carol.id],
        );
        if (attempts === 1) {
          await lockWaiters(1);
          // The other side now wants our row: a deadlock, and ours is the transaction rolled back.
          otherDone = other
            .query('UPDATE users SET display_name = display_name WHERE id = ?', [userId])
            .then(() => other.commit());
        }
        await Promise.all([waiting, mark]);
      }, 'test pipelined deadlock'),
    );
    await otherDone;
  } finally {
    await other.end().catch(() => {});
  }
  assert.equal(attempts, 2, 'the first attempt was the deadlock victim and ran again');
  const [row] = await rawDb().read<{ display_name: string }>('SELECT display_name FROM users WHERE id = ?', [
    carol.id,
  ]);
  assert.equal(row!.display_name.match(/\+/g)?.length, 1, `marks: ${row!.display_name}`);
});

/** An error shaped as each driver reports a lock conflict, thrown by the first attempt only. */
const conflicts: Record<string, () => Error> = {
  'MariaDB 1213 deadlock': () =>
    Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), {
      errno: 1213,
      sqlState: '40001',
      sqlMessage: 'Deadlock found when trying to get lock; try restarting transaction',
    }),
  'MariaDB 1205 lock wait timeout': () =>
    Object.assign(new Error('Lock wait timeout exceeded'), { errno: 1205, sqlState: 'HY000' }),
  SQLITE_BUSY: () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
};

for (const [name, makeError] of Object.entries(conflicts)) {
  test(`an injected ${name} is retried, through the raw and the Prisma transaction`, async () => {
    await withRetries(2, async () => {
      let rawAttempts = 0;
      const fromRaw = await rawDb().transaction(async (tx) => {
        rawAttempts++;
        await tx.run('UPDATE users SET display_name = ? WHERE id = ?', [`raw ${rawAttempts}`, userId]);
        if (rawAttempts === 1) throw makeError();
        return rawAttempts;
      }, 'test');
      assert.equal(fromRaw, 2);
      let prismaAttempts = 0;
      const fromPrisma = await writeTransaction('test', async (tx) => {
        prismaAttempts++;
        await tx.user.update({ where: { id: userId }, data: { displayName: `prisma ${prismaAttempts}` } });
        if (prismaAttempts === 1) throw makeError();
        return prismaAttempts;
      });
      assert.equal(fromPrisma, 2);
      // The failed attempt's write was rolled back; the second one's stands.
      const [row] = await rawDb().read<{ display_name: string }>(
        'SELECT display_name FROM users WHERE id = ?',
        [userId],
      );
      assert.equal(row!.display_name, 'prisma 2');
    });
  });
}

test('other errors are not retried, and a conflict that never clears gives up after the limit', async () => {
  await withRetries(2, async () => {
    let attempts = 0;
    await assert.rejects(
      rawDb().transaction(async () => {
        attempts++;
        throw Object.assign(new Error('Duplicate entry'), { errno: 1062, sqlState: '23000' });
      }),
      /Duplicate entry/,
    );
    assert.equal(attempts, 1);
    attempts = 0;
    await assert.rejects(
      writeTransaction('test', async () => {
        attempts++;
        throw conflicts['MariaDB 1213 deadlock']!();
      }),
      /Deadlock found/,
    );
    assert.equal(attempts, 3);
  });
});
