// Message content, stored once under its SHA-256 however many folders hold it. A blob is written
// to a temporary file, fsynced, renamed into place and its directory fsynced before any database
// row points at it, so an acknowledged message survives a crash at any moment.
import { createHash } from 'node:crypto';
import { promises as fs, createReadStream, readFileSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { config } from '../core/config';

export function blobRoot(dataDir = config().dataDir): string {
  return join(dataDir, 'blobs');
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function blobPath(hash: string, dataDir = config().dataDir): string {
  return join(blobRoot(dataDir), hash.slice(0, 2), hash.slice(2, 4), hash);
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes the content durably (if not already there) and returns its hash. */
export async function writeBlob(content: Buffer, dataDir = config().dataDir): Promise<string> {
  const hash = sha256(content);
  const path = blobPath(hash, dataDir);
  try {
    const existing = await fs.stat(path);
    if (existing.size === content.length) return hash;
  } catch {
    // not there yet
  }
  const dir = join(path, '..');
  await fs.mkdir(dir, { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, path);
  await fsyncDir(dir);
  return hash;
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
