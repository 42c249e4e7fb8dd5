// `postroom restore DIR`: fills a fresh instance (an empty database and data directory) from a
// backup. It refuses an instance that holds anything, so it can never mix two mailboxes' worth
// of mail or overwrite the mail it was meant to save. Message files are checked against their
// names as they are copied; the database comes last, so an instance whose restore was cut short
// has no rows pointing at files it lacks.
import { promises as fs, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { databaseTarget } from '../core/database-url';
import { migrate, migrationsFor } from '../core/migrate';
import { blobPath, blobRoot } from '../store/blobs';
import type { InstanceLocation } from './backup';
import { copyHashed, eachLimited, flushFilesystem, hashFile, listBlobFiles } from './files';
import { backupBlobPath, readManifest, resolveBackup, type Manifest } from './manifest';
import { loadMysqlDump, mysqlRowCount } from './mysql';
import { progress, type ProgressSink } from './progress';
import { restoreSqliteFile, sqliteRowCount } from './sqlite';

export class RestoreRefused extends Error {}

export interface RestoreResult {
  dir: string;
  manifest: Manifest;
  seconds: number;
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
  for (const entry of manifest.files) {
    const copied = await copyHashed(
      join(dir, entry.path),
      join(instance.dataDir, entry.path.replace(/^files\//, '')),
    );
    if (copied.sha256 !== entry.sha256) throw new Error(`${entry.path} in the backup is damaged`);
  }

  report.phase(
    'database',
    Object.values(manifest.tables).reduce((a, b) => a + b, 0),
  );
  if (target.provider === 'sqlite') {
    restoreSqliteFile(databaseFile, target.location);
    await migrate(instance.databaseUrl, instance.dataDir); // brings an older backup up to date
  } else {
    await loadMysqlDump(target.location, databaseFile, () => report.tick());
  }
  report.done();
  if (existsSync(instance.dataDir)) flushFilesystem(instance.dataDir);
  return { dir, manifest, seconds: (Date.now() - started) / 1000 };
}
