// The one database client for the chosen provider. Both generated clients have the same models,
// so the rest of the code sees a single `Db` type.
import { dirname } from 'node:path';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient as MysqlClient } from './generated/mysql/client';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { config } from './config';
import { ensurePrivateDir } from './data-dir';
import { databaseTarget, mariadbOptions, type Provider } from './database-url';
import { gateSqliteAdapter } from './sqlite-gated-adapter';
import { inTransactionScope, sqliteWriteGate } from './sqlite-write-gate';
import { withWriteRetry } from './write-retry';
import { timeQueries } from '../ops/db-metrics';

export type Db = MysqlClient;
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

interface Opened {
  db: Db;
  provider: Provider;
}

let opened: Opened | undefined;

export function openDb(databaseUrl = config().databaseUrl, dataDir = config().dataDir): Opened {
  const target = databaseTarget(databaseUrl, dataDir);
  if (target.provider === 'mysql') {
    const adapter = new PrismaMariaDb({ ...mariadbOptions(target.location), connectionLimit: 10 });
    return { db: timeQueries(new MysqlClient({ adapter })), provider: 'mysql' };
  }
  ensurePrivateDir(dirname(target.location));
  // WAL with synchronous=FULL: a commit is on disk before it returns (durability before 250/OK).
  // The busy timeout arbitrates between processes; within this one the store's raw connection
  // and this one take turns through the write gate, never by blocking in the busy handler.
  const adapter = gateSqliteAdapter(
    new PrismaBetterSqlite3({ url: `file:${target.location}`, timeout: 10_000 }),
    sqliteWriteGate(target.location),
  );
  const db = timeQueries(new SqliteClient({ adapter })) as unknown as Db;
  return { db, provider: 'sqlite' };
}

/** The process-wide client, opened on first use. */
export function db(): Db {
  opened ??= openDb();
  return opened.db;
}

export function provider(): Provider {
  opened ??= openDb();
  return opened.provider;
}

/**
 * A Prisma interactive write transaction, run again on a lock conflict (write-retry.ts): `work`
 * may run more than once, so it must do nothing outside `tx` that others can see; notify after
 * this returns. The wait for a pooled connection and the time limit are generous because writers
 * to one mailbox queue behind each other's row locks.
 */
export function writeTransaction<T>(
  label: string,
  work: (tx: Tx) => Promise<T>,
  options: { timeout?: number } = {},
): Promise<T> {
  return withWriteRetry(label, () =>
    inTransactionScope(label, () =>
      db().$transaction(work, { maxWait: 10_000, timeout: options.timeout ?? 60_000 }),
    ),
  );
}

const closers = new Set<() => Promise<void>>();

/** Other connections to the same database (the store's raw SQL path) close along with this one. */
export function onCloseDb(close: () => Promise<void>): void {
  closers.add(close);
}

export async function closeDb(): Promise<void> {
  for (const close of closers) await close();
  closers.clear();
  if (opened) await opened.db.$disconnect();
  opened = undefined;
}
