// Guards the hand-written migrations: every scalar field of every model in prisma/schema.prisma
// must be a column of the migrated database (and no column may be missing from the schema), the
// migration record must be Prisma's, and on MariaDB the seed's views must answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createTestDatabase, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { db } from '../../server/core/db';
import { migrate, migrationsFor } from '../../server/core/migrate';
import { addDomain, addMailbox, addAlias } from '../../server/domain';

const root = join(import.meta.dirname, '..', '..');
let testDb: TestDatabase;

function schemaTables(): Map<string, Set<string>> {
  const text = readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8');
  const models = [...text.matchAll(/model (\w+) \{([\s\S]*?)\n\}/g)];
  const modelNames = new Set(models.map((m) => m[1]));
  const tables = new Map<string, Set<string>>();
  for (const [, name, body] of models) {
    const table = /@@map\("(\w+)"\)/.exec(body!)?.[1] ?? name!;
    const columns = new Set<string>();
    for (const line of body!.split('\n')) {
      const field = /^\s+(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!field || line.trim().startsWith('@@') || line.trim().startsWith('//')) continue;
      const [, fieldName, type, list, , rest] = field;
      if (list || modelNames.has(type!)) continue;
      columns.add(/@map\("(\w+)"\)/.exec(rest!)?.[1] ?? fieldName!);
    }
    tables.set(table, columns);
  }
  return tables;
}

async function databaseColumns(table: string): Promise<Set<string>> {
  if (TEST_PROVIDER === 'mysql') {
    const rows = await db().$queryRawUnsafe<{ COLUMN_NAME: string }[]>(
      'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      table,
    );
    return new Set(rows.map((row) => row.COLUMN_NAME));
  }
  const rows = await db().$queryRawUnsafe<{ name: string }[]>(
    `SELECT name FROM pragma_table_info('${table}')`,
  );
  return new Set(rows.map((row) => row.name));
}

before(async () => {
  testDb = await createTestDatabase();
});
after(async () => {
  await testDb.cleanup();
});

test('every model field is a column and every column a model field', async () => {
  const tables = schemaTables();
  assert.ok(tables.size >= 15, `found ${tables.size} models`);
  for (const [table, columns] of tables) {
    const actual = await databaseColumns(table);
    assert.deepEqual([...actual].sort(), [...columns].sort(), `table ${table}`);
  }
});

test('migrations are recorded in _prisma_migrations as Prisma records them', async () => {
  const rows = await db().$queryRawUnsafe<
    {
      migration_name: string;
      checksum: string;
      finished_at: unknown;
      applied_steps_count: number | bigint;
      logs: string | null;
    }[]
  >(
    'SELECT migration_name, checksum, finished_at, applied_steps_count, logs FROM _prisma_migrations ORDER BY migration_name',
  );
  const expected = migrationsFor(TEST_PROVIDER);
  assert.equal(rows.length, expected.length);
  for (const [i, migration] of expected.entries()) {
    const file = readFileSync(
      join(root, 'prisma', TEST_PROVIDER, 'migrations', migration.name, 'migration.sql'),
    );
    assert.equal(rows[i]!.migration_name, migration.name);
    assert.equal(rows[i]!.checksum, createHash('sha256').update(file).digest('hex'));
    assert.ok(rows[i]!.finished_at);
    assert.equal(Number(rows[i]!.applied_steps_count), 1);
    assert.equal(rows[i]!.logs, null);
  }
  const again = await migrate(testDb.url, testDb.dataDir);
  assert.deepEqual(again.applied, []);
});

test('an unfinished migration row blocks later runs (Prisma P3009)', async () => {
  const now = TEST_PROVIDER === 'mysql' ? 'CURRENT_TIMESTAMP(3)' : `${Date.now()}`;
  await db().$executeRawUnsafe(
    `INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, logs) VALUES ('failed-1', 'x', ${now}, '99999999999999_broken', 'boom')`,
  );
  await assert.rejects(migrate(testDb.url, testDb.dataDir), /failed earlier and blocks/);
  await db().$executeRawUnsafe("DELETE FROM _prisma_migrations WHERE id = 'failed-1'");
});

test("the seed's Postfix/Dovecot views answer on MariaDB", {
  skip: TEST_PROVIDER !== 'mysql' && 'views are MariaDB-only',
}, async () => {
  await addDomain('nahida.net');
  await addMailbox({ address: 'deepwood@nahida.net', password: 'Forest-memory-1', displayName: '숲의기억' });
  await addAlias('alias@nahida.net', ['deepwood@nahida.net']);
  const users = await db().$queryRawUnsafe<{ fqda: string; password_hash: string; display_name: string }[]>(
    "SELECT fqda, password_hash, display_name FROM users_fqda WHERE fqda = 'deepwood@nahida.net'",
  );
  assert.equal(users.length, 1);
  assert.equal(users[0]!.display_name, '숲의기억');
  assert.match(users[0]!.password_hash, /^\$argon2id\$/);
  const aliases = await db().$queryRawUnsafe<{ fqda: string }[]>('SELECT fqda FROM aliases_fqda');
  assert.deepEqual(
    aliases.map((a) => a.fqda),
    ['alias@nahida.net'],
  );
  // Postfix's own alias query from the seed, unchanged.
  const postfix = await db().$queryRawUnsafe<{ d: string }[]>(
    "SELECT CONCAT(destination_local, '@', destination_domain) AS d FROM aliases WHERE source_local='alias' AND source_domain='nahida.net'",
  );
  assert.deepEqual(
    postfix.map((r) => r.d),
    ['deepwood@nahida.net'],
  );
});

test('a seed row inserted by hand with its $2y$ hash can log in', async () => {
  const { authenticate } = await import('../../server/auth');
  await db().domain.upsert({ where: { domain: 'nahida.net' }, create: { domain: 'nahida.net' }, update: {} });
  await db().$executeRawUnsafe(
    "INSERT INTO users (local, domain, password_hash, display_name) VALUES ('1000dreams', 'nahida.net', '$2y$10$T03RmF8PZVdEGvqMBA7JDe7kleiWmA8Acpoz7iUm7N44P1yiS5tnG', '천일밤의꿈')",
  );
  const result = await authenticate({
    username: '1000dreams@nahida.net',
    password: 'test1234',
    protocol: 'imap',
    clientIp: '127.0.0.9',
  });
  assert.equal(result.ok, true);
  // The legacy hash is upgraded in place on success.
  const row = await db().user.findFirstOrThrow({ where: { local: '1000dreams' } });
  assert.match(row.passwordHash, /^\$argon2id\$/);
});
