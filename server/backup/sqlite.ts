// SQLite: the online backup API (better-sqlite3 `.backup()`) copies the live database while the
// worker goes on writing. Every step after the first copies all remaining pages at once, so a
// write by another connection cannot make it start over and over on a busy server: the copy is
// one consistent read of the database.
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { BlobStoreKind } from '../store/blob-store';
import type { ChunkReader, ChunkWriter } from './chunks';
import type { SnapshotInfo } from './snapshot-info';

const ALL_PAGES = 1 << 30;

export async function snapshotSqlite(source: string, dest: string): Promise<SnapshotInfo> {
  const live = new Database(source, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    await live.backup(dest, { progress: () => ALL_PAGES });
  } finally {
    live.close();
  }
  const copy = new Database(dest, { timeout: 10_000 });
  try {
    // One self-contained file: no -wal beside it in the backup.
    copy.pragma('journal_mode = DELETE');
    return describeSqlite(copy);
  } finally {
    copy.close();
  }
}

export function describeSqlite(db: Database.Database): SnapshotInfo {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const tables: Record<string, number> = {};
  for (const name of names) {
    if (name === '_prisma_migrations') continue;
    tables[name] = Number(db.prepare(`SELECT COUNT(*) FROM "${name}"`).pluck().get());
  }
  const migrations = names.includes('_prisma_migrations')
    ? (db
        .prepare(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
        )
        .pluck()
        .all() as string[])
    : [];
  const referenced = new Set(
    db
      .prepare('SELECT blob_sha256 FROM messages UNION SELECT blob_sha256 FROM queue_entries')
      .pluck()
      .all() as string[],
  );
  return { tables, migrations, referenced, blobStore: blobStoreSetting(db, names) };
}

/** The settings row `postroom blobs migrate` writes (it wins over POSTROOM_BLOB_STORE). */
function blobStoreSetting(db: Database.Database, names: string[]): BlobStoreKind | undefined {
  if (!names.includes('settings')) return undefined;
  const value = db.prepare(`SELECT value FROM settings WHERE "key" = 'blob_store'`).pluck().get();
  return value === 'database' || value === 'filesystem' ? value : undefined;
}

function hasChunkTable(db: Database.Database): boolean {
  return Boolean(
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'blob_chunks'").pluck().get(),
  );
}

/**
 * Runs `work` with a reader of the chunk rows in the snapshot copy `file`, then empties the copy's
 * blob_chunks (the content is in the backup's message files by then) and compacts the file.
 */
export async function withSqliteChunks(
  file: string,
  work: (read: ChunkReader) => Promise<void>,
): Promise<void> {
  const copy = new Database(file, { timeout: 10_000 });
  try {
    if (!hasChunkTable(copy)) return;
    const chunk = copy.prepare('SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = ?').pluck();
    const first = copy.prepare('SELECT 1 FROM blob_chunks WHERE sha256 = ? AND idx = 0').pluck();
    await work({
      chunk: async (hash, idx) => (chunk.get(hash, idx) as Buffer | undefined) ?? null,
      has: async (hash) => first.get(hash) !== undefined,
    });
    if (copy.prepare('SELECT 1 FROM blob_chunks LIMIT 1').pluck().get()) {
      // Dropping the table frees its pages at once (a DELETE visits every row); VACUUM gives them back.
      const ddl = copy
        .prepare(
          "SELECT sql FROM sqlite_master WHERE tbl_name = 'blob_chunks' AND sql IS NOT NULL ORDER BY type DESC",
        )
        .pluck()
        .all() as string[];
      copy.exec('DROP TABLE blob_chunks');
      for (const statement of ddl) copy.exec(statement);
      copy.exec('VACUUM');
    }
  } finally {
    copy.close();
  }
}

/** Chunk rows written into an SQLite file that is not live yet (restore's copy before it is put in place). */
export function sqliteChunkWriter(db: Database.Database): ChunkWriter {
  const insert = db.prepare(
    "INSERT OR IGNORE INTO blob_chunks (sha256, idx, data, created_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
  );
  return {
    async begin() {
      db.exec('BEGIN');
    },
    async insert(hash, idx, data) {
      insert.run(hash, idx, data);
    },
    async commit() {
      db.exec('COMMIT');
    },
    async rollback() {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
  };
}

/** Reads what an SQLite backup file holds (for --verify). */
export function inspectSqliteFile(file: string): SnapshotInfo {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const [check] = db.pragma('quick_check') as { quick_check: string }[];
    if (check?.quick_check !== 'ok')
      throw new Error(`the database copy fails SQLite's check: ${check?.quick_check}`);
    return describeSqlite(db);
  } finally {
    db.close();
  }
}

/** Rows in the tables of an existing database (0 for an absent file): restore fills empty ones only. */
export function sqliteRowCount(file: string): number {
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    return Object.values(describeSqlite(db).tables).reduce((sum, rows) => sum + rows, 0);
  } finally {
    db.close();
  }
}

/**
 * Puts the backup's database file in place of an empty (or absent) one. `fill` runs on the copy
 * before it appears under the real name (restore writes chunk rows there), so a restore cut short
 * leaves no database that refers to content it lacks.
 */
export async function restoreSqliteFile(
  backupFile: string,
  target: string,
  fill?: (copy: string) => Promise<void>,
): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
  const temp = `${target}.restore-${process.pid}`;
  copyFileSync(backupFile, temp);
  try {
    await fill?.(temp);
  } catch (error) {
    for (const suffix of ['', '-journal']) rmSync(`${temp}${suffix}`, { force: true });
    throw error;
  }
  fsyncPath(temp);
  // the rename makes the whole file appear at once
  renameInto(temp, target);
}

export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function renameInto(temp: string, target: string): void {
  renameSync(temp, target);
  fsyncPath(dirname(target));
}
