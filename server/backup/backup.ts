// `postroom backup DIR`: a consistent copy of the database plus every message file it refers to,
// in a new DIR/<stamp>/ beside the earlier ones. Message files are immutable and named by their
// SHA-256, so one already in the previous backup is hard-linked rather than copied again.
// Content the database holds (POSTROOM_BLOB_STORE=database: blob_chunks rows) is written out as
// message files too, read a chunk at a time from the snapshot itself, and the copy of the
// database carries no chunk rows; a half-migrated store is backed up from both places alike.
//
// Order matters for a live server: (1) the message files present now are copied, (2) the database
// is read at one instant, (3) files that arrived between the two are copied and files the
// snapshot does not refer to are dropped. A file the snapshot refers to was either there at (1)
// or arrives after it, so only a message expunged and collected within the short step (3) can be
// missing — and then the backup fails rather than claim what it does not hold. Content in chunk
// rows is taken from the snapshot in step (2) (it is in it, consistently); what the snapshot
// refers to but holds no rows of is then a file, copied in step (3).
import {
  promises as fs,
  existsSync,
  linkSync,
  mkdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { databaseTarget } from '../core/database-url';
import { blobPath, blobRoot } from '../store/blobs';
import { type ChunkReader, copyChunksToFile } from './chunks';
import { copyHashed, eachLimited, flushFilesystem, hashFile, listBlobFiles, listFilesUnder } from './files';
import {
  FORMAT,
  FORMAT_VERSION,
  MANIFEST,
  MANIFEST_SUM,
  backupBlobPath,
  listBackups,
  newStamp,
  readManifest,
  sha256Hex,
  type FileEntry,
  type Manifest,
} from './manifest';
import { dumpMysql } from './mysql';
import { progress, type ProgressSink } from './progress';
import type { SnapshotInfo } from './snapshot-info';
import { fsyncPath, snapshotSqlite, withSqliteChunks } from './sqlite';

/** Data directory folders that are part of the instance besides the database and blobs. */
export const DATA_DIR_FOLDERS = ['tls', 'acme'];
const COPIES_IN_FLIGHT = 8;

export interface InstanceLocation {
  databaseUrl: string | undefined;
  dataDir: string;
  hostname?: string;
}

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  seconds: number;
}

export async function backup(
  root: string,
  instance: InstanceLocation,
  onProgress?: ProgressSink,
): Promise<BackupResult> {
  const started = Date.now();
  const report = progress(onProgress);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const previous = listBackups(root).at(-1);
  const previousBlobs = new Set(previous ? readManifest(previous).blobs.map(([hash]) => hash) : []);
  const stamp = newStamp();
  const dir = join(root, stamp);
  const partial = `${dir}.partial`;
  await fs.rm(partial, { recursive: true, force: true });
  mkdirSync(partial, { mode: 0o700 });

  const sizes = new Map<string, number>();
  const linked = new Set<string>();
  const fromDatabase = new Set<string>();
  const linkPrevious = async (hash: string, dest: string): Promise<boolean> => {
    if (!previous || !previousBlobs.has(hash)) return false;
    try {
      await fs.mkdir(join(dest, '..'), { recursive: true, mode: 0o700 });
      linkSync(backupBlobPath(previous, hash), dest);
      sizes.set(hash, statSync(dest).size);
      linked.add(hash);
      report.tick(0);
      return true;
    } catch {
      return false; // gone from the previous backup or another filesystem: copy it
    }
  };
  const take = async (hash: string): Promise<void> => {
    const dest = backupBlobPath(partial, hash);
    if (await linkPrevious(hash, dest)) return;
    const copied = await copyHashed(blobPath(hash, instance.dataDir), dest);
    if (copied.sha256 !== hash) {
      await fs.rm(dest, { force: true });
      throw new Error(
        `message file ${hash} in the data directory is damaged (its content hashes to ${copied.sha256})`,
      );
    }
    sizes.set(hash, copied.size);
    report.tick(copied.size);
  };
  /** Content the snapshot holds in chunk rows and no file gave us: out to a message file. */
  const takeChunks = async (read: ChunkReader, referenced: Set<string>, lanes: number): Promise<void> => {
    const wanted = [...referenced].filter((hash) => !sizes.has(hash));
    report.phase('message content in the database', wanted.length);
    await eachLimited(wanted, lanes, async (hash) => {
      const dest = backupBlobPath(partial, hash);
      if (previousBlobs.has(hash)) {
        if (!(await read.has(hash))) return; // not in rows: a file (step 3)
        fromDatabase.add(hash);
        if (await linkPrevious(hash, dest)) return;
      }
      const size = await copyChunksToFile(read, hash, dest);
      if (size === null) return; // not in rows: a file (step 3)
      fromDatabase.add(hash);
      sizes.set(hash, size);
      report.tick(size);
    });
    report.done(fromDatabase.size ? `${fromDatabase.size} held in the database` : undefined);
  };
  // (1) the message files there now
  const present = await listBlobFiles(blobRoot(instance.dataDir));
  report.phase('message files', present.length);
  await eachLimited(present, COPIES_IN_FLIGHT, async (hash) => {
    try {
      await take(hash);
    } catch (error) {
      // collected meanwhile: fine, unless the snapshot refers to it (checked in step 3)
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  });
  report.done(previous ? `${linked.size} linked from ${previous}` : undefined);

  // (2) the database at one instant
  const target = databaseTarget(instance.databaseUrl, instance.dataDir);
  const databaseName = target.provider === 'sqlite' ? 'database.sqlite' : 'database.jsonl.gz';
  const databaseFile = join(partial, databaseName);
  report.phase('database snapshot', 1);
  let info: SnapshotInfo;
  if (target.provider === 'sqlite') {
    info = await snapshotSqlite(target.location, databaseFile);
    report.tick();
    report.done(`${Object.values(info.tables).reduce((a, b) => a + b, 0)} rows`);
    const referenced = info.referenced;
    await withSqliteChunks(databaseFile, (read) => takeChunks(read, referenced, COPIES_IN_FLIGHT));
    if ('blob_chunks' in info.tables) info.tables.blob_chunks = 0; // emptied in the copy
  } else {
    // one connection holds the snapshot: several reads in flight are pipelined on it
    info = await dumpMysql(target.location, databaseFile, (read, referenced) =>
      takeChunks(read, referenced, COPIES_IN_FLIGHT),
    );
    report.phase('database snapshot', 1);
    report.tick();
    report.done(`${Object.values(info.tables).reduce((a, b) => a + b, 0)} rows`);
  }

  // (3) files that arrived meanwhile; drop those the snapshot does not refer to
  const missing = [...info.referenced].filter((hash) => !sizes.has(hash));
  report.phase('message files since', missing.length);
  await eachLimited(missing, COPIES_IN_FLIGHT, async (hash) => {
    try {
      await take(hash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error(
          `message file ${hash} that the database refers to is missing from the data directory`,
        );
      throw error;
    }
  });
  report.done();
  for (const hash of [...sizes.keys()]) {
    if (info.referenced.has(hash)) continue;
    await fs.rm(backupBlobPath(partial, hash), { force: true });
    sizes.delete(hash);
  }

  const files: FileEntry[] = [];
  for (const folder of DATA_DIR_FOLDERS) {
    for (const rel of await listFilesUnder(join(instance.dataDir, folder))) {
      const path = `files/${folder}/${rel}`;
      const copied = await copyHashed(join(instance.dataDir, folder, rel), join(partial, path));
      files.push({ path, ...copied });
    }
  }

  const manifest: Manifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    hostname: instance.hostname ?? osHostname(),
    provider: target.provider,
    migrations: info.migrations,
    database: { path: databaseName, ...(await hashFile(databaseFile)) },
    tables: info.tables,
    blobs: [...sizes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    blobsLinked: [...sizes.keys()].filter((hash) => linked.has(hash)).length,
    blobsFromDatabase: [...sizes.keys()].filter((hash) => fromDatabase.has(hash)).length,
    ...(info.blobStore ? { blobStore: info.blobStore } : {}),
    files,
  };
  const text = `${JSON.stringify(manifest, null, 1)}\n`;
  writeFileSync(join(partial, MANIFEST), text, { mode: 0o600 });
  writeFileSync(join(partial, MANIFEST_SUM), `${sha256Hex(text)}  ${MANIFEST}\n`, { mode: 0o600 });
  flushFilesystem(partial);
  if (existsSync(dir)) throw new Error(`${dir} exists already`);
  renameSync(partial, dir);
  fsyncPath(root);
  return { dir, manifest, seconds: (Date.now() - started) / 1000 };
}
