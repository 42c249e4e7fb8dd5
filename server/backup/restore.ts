// `postroom restore DIR`: fills a fresh instance (an empty database and data directory) from a
// backup. It refuses an instance that holds anything, so it can never mix two mailboxes' worth
// of mail or overwrite the mail it was meant to save. Message files are checked against their
// names as they are copied; the database comes last, so an instance whose restore was cut short
// has no rows pointing at files it lacks.
//
// The content goes to the store the restored instance writes to: the one its database records
// (`postroom blobs migrate`'s settings row, in the manifest as blobStore), else POSTROOM_BLOB_STORE.
// Into the database it is read a chunk at a time, a transaction per message, its SHA-256 checked
// before the commit; on SQLite into the copy before that copy is put in place.
import { promises as fs, existsSync, mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { databaseTarget } from '../core/database-url';
import { migrate, migrationsFor } from '../core/migrate';
import { type BlobStoreKind, parseBlobStoreKind } from '../store/blob-store';
import { blobPath, blobRoot } from '../store/blobs';
import type { InstanceLocation } from './backup';
import { copyFileToChunks } from './chunks';
import { copyHashed, eachLimited, flushFilesystem, hashFile, listBlobFiles } from './files';
import { backupBlobPath, readManifest, resolveBackup, type Manifest } from './manifest';
import { loadMysqlDump, mysqlChunkWriter, mysqlRowCount } from './mysql';
import { progress, type ProgressSink } from './progress';
import { restoreSqliteFile, sqliteChunkWriter, sqliteRowCount } from './sqlite';

export class RestoreRefused extends Error {}

/** Connections writing content rows at once on MariaDB (each commit waits for Galera's replication). */
const RESTORE_CONNECTIONS = 4;

export interface RestoreResult {
  dir: string;
  manifest: Manifest;
  seconds: number;
  /** Where the message content went. */
  blobStore: BlobStoreKind;
}

function targetStore(manifest: Manifest): BlobStoreKind {
  if (manifest.blobStore) return manifest.blobStore;
  const value = process.env.POSTROOM_BLOB_STORE;
  const kind = parseBlobStoreKind(value);
  if (value && !kind)
    throw new RestoreRefused(`POSTROOM_BLOB_STORE must be filesystem or database, not "${value}"`);
  return kind ?? 'filesystem';
}

export async function restore(
  source: string,
  instance: InstanceLocation,
  onProgress?: ProgressSink,
): Promise<RestoreResult> {
  const started = Date.now();
  const dir = resolveBackup(source);
  const manifest = readManifest(dir);
  const target = databaseTarget(instance.databaseUrl, instance.dataDir);
  if (manifest.provider !== target.provider)
    throw new RestoreRefused(
      `this backup is of a ${manifest.provider === 'sqlite' ? 'SQLite' : 'MariaDB'} instance; restore it with a DATABASE_URL of the same kind`,
    );
  const known = new Set(migrationsFor(target.provider).map((m) => m.name));
  const unknown = manifest.migrations.filter((name) => !known.has(name));
  if (unknown.length)
    throw new RestoreRefused(
      `this backup was made by a newer Postroom (migrations ${unknown.join(', ')}): upgrade first`,
    );
  const store = targetStore(manifest);

  // Empty means: no message files and no rows (a migrated but unused database is fine).
  if ((await listBlobFiles(blobRoot(instance.dataDir))).length > 0)
    throw new RestoreRefused(
      `${instance.dataDir} already holds message files: restore fills a fresh instance only`,
    );
  let rows: number;
  if (target.provider === 'sqlite') rows = sqliteRowCount(target.location);
  else {
    await migrate(instance.databaseUrl, instance.dataDir);
    rows = await mysqlRowCount(target.location);
  }
  if (rows > 0)
    throw new RestoreRefused(
      `the target database already holds ${rows} row(s): restore fills a fresh instance only (make a new database, or point DATABASE_URL and POSTROOM_DATA_DIR elsewhere)`,
    );

  const databaseFile = join(dir, manifest.database.path);
  const actual = await hashFile(databaseFile);
  if (actual.sha256 !== manifest.database.sha256)
    throw new Error(
      `${manifest.database.path} does not match its checksum: the backup is damaged (run postroom backup --verify)`,
    );

  const report = progress(onProgress);
  mkdirSync(instance.dataDir, { recursive: true, mode: 0o700 });
  const totalRows = Object.values(manifest.tables).reduce((a, b) => a + b, 0);
  if (store === 'filesystem') {
    report.phase('message files', manifest.blobs.length);
    await eachLimited(manifest.blobs, 8, async ([hash]) => {
      const copied = await copyHashed(backupBlobPath(dir, hash), blobPath(hash, instance.dataDir));
      if (copied.sha256 !== hash) {
        await fs.rm(blobPath(hash, instance.dataDir), { force: true });
        throw new Error(`message file ${hash} in the backup is damaged (run postroom backup --verify)`);
      }
      report.tick(copied.size);
    });
    report.done();
  }
  for (const entry of manifest.files) {
    const copied = await copyHashed(
      join(dir, entry.path),
      join(instance.dataDir, entry.path.replace(/^files\//, '')),
    );
    if (copied.sha256 !== entry.sha256) throw new Error(`${entry.path} in the backup is damaged`);
  }

  /** Every message file into chunk rows through `writer`, one message at a time. */
  const chunksInto = async (writers: Parameters<typeof copyFileToChunks>[2][]) => {
    report.phase('message content into the database', manifest.blobs.length);
    // one lane per writer (its own connection): a transaction each, side by side
    const queue = manifest.blobs[Symbol.iterator]();
    let failed: unknown;
    await Promise.all(
      writers.map(async (writer) => {
        for (let next = queue.next(); !next.done && failed === undefined; next = queue.next()) {
          const [hash] = next.value;
          try {
            report.tick(await copyFileToChunks(backupBlobPath(dir, hash), hash, writer));
          } catch (error) {
            failed ??= error;
          }
        }
      }),
    );
    if (failed !== undefined) throw failed;
    report.done();
  };
  if (target.provider === 'sqlite') {
    await restoreSqliteFile(
      databaseFile,
      target.location,
      store === 'database'
        ? async (copy) => {
            await migrate(`file:${copy}`, instance.dataDir); // an older backup may lack blob_chunks
            const file = new Database(copy, { timeout: 10_000 });
            try {
              file.pragma('journal_mode = DELETE');
              file.pragma('synchronous = OFF'); // not live yet: fsynced once when placed
              await chunksInto([sqliteChunkWriter(file)]);
            } finally {
              file.close();
            }
          }
        : undefined,
    );
    report.phase('database', totalRows);
    await migrate(instance.databaseUrl, instance.dataDir); // brings an older backup up to date
  } else {
    if (store === 'database') {
      const writers = await Promise.all(
        Array.from({ length: RESTORE_CONNECTIONS }, () => mysqlChunkWriter(target.location)),
      );
      try {
        await chunksInto(writers);
      } finally {
        await Promise.all(writers.map((writer) => writer.end().catch(() => {})));
      }
    }
    report.phase('database', totalRows);
    await loadMysqlDump(target.location, databaseFile, () => report.tick());
  }
  report.done();
  if (existsSync(instance.dataDir)) flushFilesystem(instance.dataDir);
  return { dir, manifest, seconds: (Date.now() - started) / 1000, blobStore: store };
}
