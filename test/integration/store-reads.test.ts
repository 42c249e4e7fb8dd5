// The store's plain-SQL read path (server/store/raw.ts): on MariaDB single reads use connections
// held open beside the pool; one killed under it (server restart, wait_timeout) must not fail the
// read that finds it dead. On SQLite the small cached reads must see another process's commit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import mariadb from 'mariadb';
import { createTestDatabase, MYSQL_ADMIN_URL, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { folderStateByName } from '../../server/store';
import { rawDb } from '../../server/store/raw';

let testDb: TestDatabase;
let userId: number;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('reads.test');
  userId = (await addMailbox({ address: 'reader@reads.test', password: 'Reader-pass-12345' })).id;
});
after(async () => {
  await testDb.cleanup();
});

test('a read whose held connection was killed is answered anyway', {
  skip: TEST_PROVIDER !== 'mysql',
}, async () => {
  assert.equal((await rawDb().read<{ n: number }>('SELECT 1 AS n'))[0]?.n, 1);
  // Two reads at once take both held connections: their ids are the ones to kill.
  const ids = await Promise.all(
    [0, 1].map(async () =>
      Number(
        (await rawDb().read<{ id: number | bigint }>('SELECT CONNECTION_ID() AS id, SLEEP(0.05)'))[0]!.id,
      ),
    ),
  );
  assert.equal(new Set(ids).size, 2);
  const admin = new URL(MYSQL_ADMIN_URL);
  const killer = await mariadb.createConnection({
    host: admin.hostname,
    port: Number(admin.port || 3306),
    user: decodeURIComponent(admin.username || 'root'),
    password: decodeURIComponent(admin.password),
  });
  try {
    for (const id of ids) await killer.query(`KILL CONNECTION ${id}`);
  } finally {
    await killer.end();
  }
  for (let i = 0; i < 4; i++) assert.equal((await rawDb().read<{ n: number }>('SELECT 2 AS n'))[0]?.n, 2);
});

test('the cached folder lookup sees a folder renamed by another process at once', {
  skip: TEST_PROVIDER !== 'sqlite',
}, async () => {
  assert.ok(await folderStateByName(userId, 'Drafts'), 'the default folder exists');
  const file = `${testDb.dataDir}/postroom.db`;
  const script = `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.prepare("UPDATE folders SET name = 'Drafts-old' WHERE user_id = ? AND name = 'Drafts'").run(${userId}); d.close();`;
  execFileSync(process.execPath, ['-e', script], { cwd: process.cwd() });
  assert.equal(await folderStateByName(userId, 'Drafts'), null);
  assert.ok(await folderStateByName(userId, 'Drafts-old'));
});
