// Message content, stored once under its SHA-256 however many folders hold it. A blob is written
// to a temporary file, fsynced, renamed into place and its directory fsynced before any database
// row points at it, so an acknowledged message survives a crash at any moment.
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fsync,
  mkdir,
  open,
  openSync,
  promises as fs,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Dirent,
  type ReadStream,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { config } from '../core/config';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../core/data-dir';

export function blobRoot(dataDir = config().dataDir): string {
  return join(dataDir, 'blobs');
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function blobPath(hash: string, dataDir = config().dataDir): string {
  return join(blobRoot(dataDir), hash.slice(0, 2), hash.slice(2, 4), hash);
}

/** fsync of an open descriptor in the thread pool (spool.ts too): it waits for the disk. */
export const fsyncFd = promisify(fsync);

// Creating a name goes through the thread pool too (spool.ts as well): ext4 makes a new name wait
// while the journal commits, which the fsyncs of other messages keep it doing; on the event loop a
// file create was 29% of the worker's time in a CPU profile of bench/smtp.ts. The callback forms,
// promisified: no FileHandle object per file, as fs.promises would make.
export const openFile = promisify(open);
export const makeDirectory = promisify(mkdir);

/** fsyncs a directory, so the names made or removed in it survive a crash (spool.ts too). */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the content durably (if not already there) and returns its hash. The stat, write into the
 * page cache, close and rename are synchronous (microseconds, against 25-60 us of CPU each through
 * the thread pool, spool.ts); creating the names and the fsyncs are not (see openFile).
 */
export async function writeBlob(content: Buffer, dataDir = config().dataDir): Promise<string> {
  const hash = sha256(content);
  const path = blobPath(hash, dataDir);
  if (statSync(path, { throwIfNoEntry: false })?.size === content.length) return hash;
  const dir = join(path, '..');
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}${TEMP_SUFFIX}`;
  // The directory is made when the file cannot be created without it (as spool.ts does), not
  // before every blob: one thread-pool hop fewer for each APPEND into an existing directory.
  const create = () => openFile(temp, 'w', PRIVATE_FILE_MODE);
  try {
    const fd = await create().catch(async (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await makeDirectory(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      return create();
    });
    try {
      for (let offset = 0; offset < content.length; )
        offset += writeSync(fd, content, offset, content.length - offset);
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    // A failed write (ENOSPC above all) must not leave its partial copy holding the space.
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already gone
    }
    throw error;
  }
  await fsyncDir(dir);
  return hash;
}

/**
 * Makes sure a blob's file exists after a transaction that added a reference to it committed: the
 * collector (gc.ts) may have removed the file of a then unreferenced blob between writeBlob's check
 * and that commit. It deletes the file before its own commit, so a reference committed after it
 * always finds the file gone here and writes it again, before anyone is answered.
 */
export async function ensureBlobFile(
  hash: string,
  content: Buffer,
  dataDir = config().dataDir,
): Promise<void> {
  // Collected meanwhile when it is missing.
  if (statSync(blobPath(hash, dataDir), { throwIfNoEntry: false })?.size === content.length) return;
  await writeBlob(content, dataDir);
}

const TEMP_SUFFIX = '.tmp';

/**
 * Removes temporary files older than `olderThanMs` left by writes that died with their process
 * (a crash, a kill -9). Younger ones may belong to a writer in another process still at work.
 */
export async function sweepStaleTempFiles(olderThanMs: number, dataDir = config().dataDir): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < 2) await visit(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith(TEMP_SUFFIX)) {
        const stat = await fs.stat(path).catch(() => null);
        if (stat && stat.mtimeMs < cutoff) {
          await fs.rm(path, { force: true });
          removed++;
        }
      }
    }
  };
  await visit(blobRoot(dataDir), 0);
  return removed;
}

export async function readBlob(hash: string, dataDir = config().dataDir): Promise<Buffer> {
  return fs.readFile(blobPath(hash, dataDir));
}

/** Below this size a blocking read is cheaper than the thread-pool round trips of an async one. */
export const SYNC_READ_BYTES = 128 * 1024;

/** Reads a blob whose size the caller knows: small ones synchronously (a page-cache copy). */
export async function readBlobOfSize(
  hash: string,
  size: number,
  dataDir = config().dataDir,
): Promise<Buffer> {
  return size <= SYNC_READ_BYTES
    ? readFileSync(blobPath(hash, dataDir))
    : fs.readFile(blobPath(hash, dataDir));
}

export function streamBlob(
  hash: string,
  options: { start?: number; end?: number } = {},
  dataDir = config().dataDir,
): ReadStream {
  return createReadStream(blobPath(hash, dataDir), options);
}

export async function deleteBlobFile(hash: string, dataDir = config().dataDir): Promise<void> {
  await fs.rm(blobPath(hash, dataDir), { force: true });
}
