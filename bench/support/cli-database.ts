// A Postroom database for a bench made with the `postroom` CLI in child processes (migrate, domain
// add, user add), so the bench itself never loads a database client: any provider, several in one
// process. It holds bench.test and kim@bench.test; countRows reads it back the same way.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchDatabase, Provider } from './postroom';

const ROOT = join(import.meta.dirname, '..', '..');
/** Environment maps as plain records: Next's types make NODE_ENV a required key of ProcessEnv. */
type Env = Record<string, string | undefined>;

/** Counts a table's rows in a Postroom database from a child process (db() is one per process). */
export function countRows(env: Env, model: 'message' | 'blobChunk' = 'message'): number {
  const code = `const { db } = await import(process.env.BENCH_DB_MODULE); console.log(await db().${model}.count()); process.exit(0);`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...databaseEnv(env), BENCH_DB_MODULE: join(ROOT, 'server', 'core', 'db.ts') },
    encoding: 'utf8',
    cwd: ROOT,
  });
  const count = Number(result.stdout.trim());
  if (!Number.isInteger(count)) throw new Error(`could not count ${model} rows: ${result.stderr}`);
  return count;
}

/** The environment of a process on this database: without DATABASE_URL it is SQLite in the data dir. */
function databaseEnv(env: Env): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env, POSTROOM_LOG: 'silent' };
  if (!env.DATABASE_URL) delete merged.DATABASE_URL;
  return merged;
}

function postroomCli(env: Env, argv: string[], input?: string): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'postroom.js'), ...argv], {
    env: databaseEnv(env),
    input,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`postroom ${argv.join(' ')} failed: ${result.stderr || result.stdout}`);
}

async function mariadbAdmin<T>(
  mysqlUrl: string,
  work: (query: (sql: string) => Promise<unknown>) => Promise<T>,
): Promise<T> {
  const mariadb = await import('mariadb');
  const admin = new URL(mysqlUrl);
  const conn = await mariadb.createConnection({
    host: admin.hostname,
    port: Number(admin.port || 3306),
    user: admin.username || 'root',
    password: decodeURIComponent(admin.password),
  });
  try {
    return await work((sql) => conn.query(sql));
  } finally {
    await conn.end();
  }
}

/** A fresh database with bench.test and kim@bench.test, made with the CLI (any provider, any process). */
export async function createCliDatabase(provider: Provider, mysqlUrl: string): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `postroom-bench-cli-${provider}-`));
  const env: Env = { POSTROOM_DATA_DIR: dataDir };
  const dbName = `postroom_bench_${randomBytes(4).toString('hex')}`;
  if (provider === 'mysql') {
    await mariadbAdmin(mysqlUrl, (query) =>
      query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
    );
    env.DATABASE_URL = `${mysqlUrl.replace(/\/$/, '')}/${dbName}`;
  }
  postroomCli(env, ['migrate']);
  postroomCli(env, ['domain', 'add', 'bench.test']);
  postroomCli(env, ['user', 'add', 'kim@bench.test', '--password-stdin'], 'Bench-Password-2026!\n');
  return {
    provider,
    env,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (provider === 'mysql')
        await mariadbAdmin(mysqlUrl, (query) => query(`DROP DATABASE IF EXISTS \`${dbName}\``));
    },
  };
}
