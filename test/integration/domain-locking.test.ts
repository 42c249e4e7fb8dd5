// Admin writes (server/domain) in the store's lock order and through the write retry. On MariaDB
// the interleavings that deadlocked are forced with retries off, so only the order can make them
// pass: another client holds a mailbox's row while a delivery and then a removal of that mailbox
// (or of its domain) line up behind it; the old removal locked the shared blob row first and then
// waited for the user, which the delivery held while it waited for the blob (1213). The removals
// must also count the mail delivered just before them: blob references end at zero. Concurrent
// forwarding changes of one mailbox (delete-then-insert under gap locks) queue on its row. On
// SQLite the same calls run side by side from two connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mariadb from 'mariadb';
import { createTestDatabase, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox, removeDomain, removeMailbox } from '../../server/domain';
import { setForwarding } from '../../server/domain/forwarding';
import { SYSTEM_ACTOR } from '../../server/domain/audit';
import { mariadbOptions } from '../../server/core/database-url';
import { appendMessage, findDeliveryFolder } from '../../server/store';
import { rawDb } from '../../server/store/raw';

let testDb: TestDatabase;
const onMysql = TEST_PROVIDER === 'mysql';
const PASSWORD = 'Correct-horse-9-battery';

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
});
after(async () => {
  await testDb.cleanup();
});

function withRetries<T>(count: number, work: () => Promise<T>): Promise<T> {
  const saved = process.env.POSTROOM_DB_WRITE_RETRIES;
  process.env.POSTROOM_DB_WRITE_RETRIES = String(count);
  return work().finally(() => {
    if (saved === undefined) delete process.env.POSTROOM_DB_WRITE_RETRIES;
    else process.env.POSTROOM_DB_WRITE_RETRIES = saved;
  });
}

async function adminConnection(): Promise<mariadb.Connection> {
  return mariadb.createConnection(mariadbOptions(testDb.url!));
}

/** Another client holds a users row until released (someone else's long transaction). */
async function holdUserRow(id: number): Promise<() => Promise<void>> {
  const conn = await adminConnection();
  await conn.beginTransaction();
  await conn.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [id]);
  let released: Promise<void> | undefined;
  return () => (released ??= conn.commit().then(() => conn.end()));
}

/** Waits until `count` statements on this database wait on the users table (the held row). */
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

let counter = 0;
/** One content per test, so its blob row is that test's alone. */
const content = () =>
  Buffer.from(`Subject: shared ${++counter}\r\nFrom: a@example.net\r\n\r\nthe same body ${counter}\r\n`);

async function blobReferences(raw: Buffer): Promise<number> {
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256').update(raw).digest('hex');
  const [row] = await rawDb().read<{ ref_count: number | bigint }>(
    'SELECT ref_count FROM blobs WHERE sha256 = ?',
    [sha],
  );
  return row ? Number(row.ref_count) : -1;
}

function fulfilled(result: PromiseSettledResult<unknown>, what: string): void {
  assert.equal(result.status, 'fulfilled', `${what}: ${String((result as PromiseRejectedResult).reason)}`);
}

test('a delivery and the removal of its mailbox queue behind each other; no reference is left', {
  skip: !onMysql,
}, async () => {
  const carol = await addMailbox({ address: 'carol@example.org', password: PASSWORD });
  const inbox = await findDeliveryFolder(carol.id);
  const raw = content();
  await appendMessage(raw, [{ folderId: inbox }]);
  await withRetries(0, async () => {
    const release = await holdUserRow(carol.id);
    try {
      const delivery = appendMessage(raw, [{ folderId: inbox }]);
      const removal = lockWaiters(1).then(() => removeMailbox('carol@example.org'));
      await lockWaiters(2);
      await release();
      const [delivered, removed] = await Promise.allSettled([delivery, removal]);
      fulfilled(delivered, 'delivery');
      fulfilled(removed, 'removal');
    } finally {
      await release();
    }
  });
  assert.equal(await blobReferences(raw), 0, 'both messages released their blob');
});

test('a delivery to two mailboxes and the forced removal of their domain; no reference is left', {
  skip: !onMysql,
}, async () => {
  await addDomain('gone.example');
  const first = await addMailbox({ address: 'one@gone.example', password: PASSWORD });
  const second = await addMailbox({ address: 'two@gone.example', password: PASSWORD });
  const inboxes = [await findDeliveryFolder(first.id), await findDeliveryFolder(second.id)];
  const raw = content();
  await appendMessage(raw, [{ folderId: inboxes[0]! }]);
  await withRetries(0, async () => {
    // The delivery takes the first mailbox's row, then waits for the second one's.
    const release = await holdUserRow(second.id);
    try {
      const delivery = appendMessage(
        raw,
        inboxes.map((folderId) => ({ folderId })),
      );
      const removal = lockWaiters(1).then(() => removeDomain('gone.example', { force: true }, SYSTEM_ACTOR));
      await lockWaiters(2);
      await release();
      const [delivered, removed] = await Promise.allSettled([delivery, removal]);
      fulfilled(delivered, 'delivery');
      fulfilled(removed, 'removal');
    } finally {
      await release();
    }
  });
  assert.equal(await blobReferences(raw), 0, 'all three messages released their blob');
  const [left] = await rawDb().read<{ n: number | bigint }>(
    "SELECT COUNT(*) AS n FROM users WHERE domain = 'gone.example'",
  );
  assert.equal(Number(left!.n), 0);
});

test('a domain removed while mailboxes are added to it: each side finishes or refuses cleanly', async () => {
  await addDomain('busy.example');
  await addMailbox({ address: 'first@busy.example', password: PASSWORD });
  const adds = Array.from({ length: 4 }, (_, index) =>
    addMailbox({ address: `late${index}@busy.example`, password: PASSWORD }),
  );
  const removal = removeDomain('busy.example', { force: true }, SYSTEM_ACTOR);
  const results = await Promise.allSettled([...adds, removal]);
  fulfilled(results.at(-1)!, 'removal');
  for (const result of results.slice(0, -1))
    if (result.status === 'rejected') assert.match(String(result.reason), /not a domain here|foreign key/i);
  const [left] = await rawDb().read<{ n: number | bigint }>(
    "SELECT COUNT(*) AS n FROM users WHERE domain = 'busy.example'",
  );
  assert.equal(Number(left!.n), 0, 'no mailbox outlives its domain');
});

test('forwarding of one mailbox changed by six writers at once: all succeed, one set wins whole', async () => {
  await addMailbox({ address: 'dave@example.org', password: PASSWORD });
  await setForwarding('dave@example.org', ['old@example.net'], true, SYSTEM_ACTOR);
  const sets = Array.from({ length: 6 }, (_, index) => [`a${index}@example.net`, `b${index}@example.net`]);
  // Retries off: only the lock taken first can keep delete-then-insert writers from deadlocking.
  const results = await withRetries(0, () =>
    Promise.allSettled(
      sets.map((targets) => setForwarding('dave@example.org', targets, false, SYSTEM_ACTOR)),
    ),
  );
  for (const result of results) fulfilled(result, 'setForwarding');
  const rows = await rawDb().read<{ destination_local: string }>(
    "SELECT destination_local FROM aliases WHERE source_local = 'dave' AND source_domain = 'example.org' ORDER BY destination_local",
  );
  const locals = rows.map((row) => row.destination_local);
  assert.equal(locals.length, 2, `one set of two destinations: ${locals.join(', ')}`);
  assert.equal(locals[0]!.slice(1), locals[1]!.slice(1), 'both destinations from the same writer');
});
