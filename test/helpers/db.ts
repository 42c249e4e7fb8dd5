// Gives each test file its own fresh database on the provider the runner chose
// (POSTROOM_TEST_DB=sqlite|mysql) and its own data directory, migrated and ready.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';
import { migrate } from '../../server/core/migrate';
import { closeDb } from '../../server/core/db';

export const TEST_PROVIDER = (process.env.POSTROOM_TEST_DB ?? 'sqlite') as 'sqlite' | 'mysql';
export const MYSQL_ADMIN_URL = process.env.POSTROOM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  url: string | undefined;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** Creates the database, points DATABASE_URL and POSTROOM_DATA_DIR at it and migrates it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'postroom-test-'));
  let url: string | undefined;
  let dropName: string | undefined;
  if (TEST_PROVIDER === 'mysql') {
    dropName = `postroom_test_${randomBytes(5).toString('hex')}`;
    const admin = new URL(MYSQL_ADMIN_URL);
    const conn = await mariadb.createConnection({
      host: admin.hostname,
      port: Number(admin.port || 3306),
      user: decodeURIComponent(admin.username || 'root'),
      password: decodeURIComponent(admin.password),
    });
    await conn.query(`CREATE DATABASE \`${dropName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.end();
    url = `${MYSQL_ADMIN_URL.replace(/\/$/, '')}/${dropName}`;
  }
  if (url) process.env.DATABASE_URL = url;
  else delete process.env.DATABASE_URL;
  process.env.POSTROOM_DATA_DIR = dataDir;
  process.env.POSTROOM_LOG ??= 'silent';
  await migrate(url, dataDir);
  return {
    url,
    dataDir,
    async cleanup() {
      await closeDb();
      if (dropName) {
        const admin = new URL(MYSQL_ADMIN_URL);
        const conn = await mariadb.createConnection({
          host: admin.hostname,
          port: Number(admin.port || 3306),
          user: decodeURIComponent(admin.username || 'root'),
          password: decodeURIComponent(admin.password),
        });
        await conn.query(`DROP DATABASE IF EXISTS \`${dropName}\``);
        await conn.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
