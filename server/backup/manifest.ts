// What a backup directory holds and how one is found: `DIR/<UTC stamp>/` with manifest.json (and
// its own checksum beside it), the database copy, the message files under blobs/ and the data
// directory's own files (the TLS and ACME material) under files/. A backup is written as
// `<stamp>.partial` and renamed when whole, so a directory without that suffix is complete.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../core/database-url';

export const MANIFEST = 'manifest.json';
export const MANIFEST_SUM = 'manifest.json.sha256';
export const FORMAT = 'postroom-backup';
export const FORMAT_VERSION = 1;

export interface FileEntry {
  /** Relative to the backup directory, with forward slashes. */
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  version: number;
  createdAt: string;
  hostname: string;
  provider: Provider;
  /** The migrations the source database had applied: restore needs code that knows them all. */
  migrations: string[];
  /** The database copy: an SQLite file, or a gzipped JSON-lines dump of every table (MariaDB). */
  database: FileEntry;
  tables: Record<string, number>;
  /** Message files as [sha256, size]: the file under blobs/ is named by its own checksum. */
  blobs: [string, number][];
  /** How many blob files were linked from the previous backup rather than copied. */
  blobsLinked: number;
  /** How many of the blobs the instance held in database rows (blob_chunks) rather than files. */
  blobsFromDatabase?: number;
  /**
   * The instance's recorded store for new content (the settings row `postroom blobs migrate`
   * writes), when it had one: restore puts the content there; otherwise where POSTROOM_BLOB_STORE says.
   */
  blobStore?: 'filesystem' | 'database';
  /** The data directory's own files (tls/, acme/) copied as they were. */
  files: FileEntry[];
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function backupBlobPath(backupDir: string, hash: string): string {
  return join(backupDir, 'blobs', hash.slice(0, 2), hash.slice(2, 4), hash);
}

const STAMP = /^\d{8}T\d{6}(\d{3})?Z$/;

export function newStamp(now = new Date()): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d{3})Z$/, '$1Z');
}

/** The complete backups in `root`, oldest first. */
export function listBackups(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && STAMP.test(entry.name))
    .filter((entry) => existsSync(join(root, entry.name, MANIFEST)))
    .map((entry) => join(root, entry.name))
    .sort();
}

/** `dir` itself when it is one backup, else the newest backup inside it. */
export function resolveBackup(dir: string): string {
  if (existsSync(join(dir, MANIFEST))) return dir;
  const all = listBackups(dir);
  const newest = all[all.length - 1];
  if (!newest) throw new Error(`no backup in ${dir} (no directory with a ${MANIFEST})`);
  return newest;
}

/** Reads the manifest after checking it against its own checksum. */
export function readManifest(backupDir: string): Manifest {
  const bytes = readFileSync(join(backupDir, MANIFEST));
  const sumPath = join(backupDir, MANIFEST_SUM);
  if (!existsSync(sumPath)) throw new Error(`${MANIFEST_SUM} is missing in ${backupDir}`);
  const expected = readFileSync(sumPath, 'utf8').trim().split(/\s+/)[0];
  if (sha256Hex(bytes) !== expected)
    throw new Error(`${MANIFEST} does not match ${MANIFEST_SUM}: the manifest is damaged`);
  const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  if (manifest.format !== FORMAT || manifest.version !== FORMAT_VERSION)
    throw new Error(`${backupDir} is not a Postroom backup of format version ${FORMAT_VERSION}`);
  return manifest;
}
