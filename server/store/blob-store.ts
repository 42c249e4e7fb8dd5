// Where message content lives: `filesystem` (blobs.ts, the default: fsynced files in the data
// directory) or `database` (blob-store-db.ts: chunk rows, so a replicated database carries it to
// every node). POSTROOM_BLOB_STORE chooses; `postroom blobs migrate` records its switch in the
// settings row `blob_store`, which wins over the environment, so every running process follows it.
//
// Small content is the exception: up to POSTROOM_INLINE_BLOB_BYTES (inlineBlobBytes) it goes into
// the database whatever the store, in the same transaction as the rows that refer to it (append.ts):
// one commit, one fsync, instead of a file's create, fsync, link and directory fsync before it.
//
// Writes go to the active store. Reads try the filesystem first (one failed open when the file is
// not there) and then the database, so content is readable wherever it is: during a migration,
// after one, and for blobs a process wrote just before it saw the switch.
import { promises as fs, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { config } from '../core/config';
import { blobPath, ensureBlobFile, SYNC_READ_BYTES, sha256, writeBlob as writeBlobFile } from './blobs';
import {
  BlobMissingError,
  CHUNK_BYTES,
  dbBlobSize,
  openDbBlob,
  putDbBlob,
  putDbBlobFile,
  readSmallDbBlob,
} from './blob-store-db';
import { rawDb } from './raw';

export type BlobStoreKind = 'filesystem' | 'database';

export const BLOB_STORE_SETTING = 'blob_store';

export function parseBlobStoreKind(value: string | undefined): BlobStoreKind | null {
  if (value === undefined || value === '') return null;
  return value === 'filesystem' || value === 'database' ? value : null;
}

function configuredKind(): BlobStoreKind {
  const value = process.env.POSTROOM_BLOB_STORE;
  const kind = parseBlobStoreKind(value);
  if (value && !kind) throw new Error(`POSTROOM_BLOB_STORE must be filesystem or database, not "${value}"`);
  return kind ?? 'filesystem';
}

export const DEFAULT_INLINE_BLOB_BYTES = 64 * 1024;

/**
 * Content up to this size is kept in the database with its references (see above); 0 turns that
 * off. At most one chunk. SQLite's own measurements put the break-even of a blob in the database
 * against a file near 100 KiB; most mail is smaller than 64 KiB.
 */
export function inlineBlobBytes(): number {
  const raw = process.env.POSTROOM_INLINE_BLOB_BYTES;
  if (raw === undefined || raw === '') return DEFAULT_INLINE_BLOB_BYTES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value >= CHUNK_BYTES)
    throw new Error(
      `POSTROOM_INLINE_BLOB_BYTES must be a whole number from 0 to ${CHUNK_BYTES - 1}, not "${raw}"`,
    );
  return value;
}

/** How long a process keeps using the store it last looked up (a migration waits longer). */
export const ACTIVE_STORE_TTL_MS = 1000;
let cached: { kind: BlobStoreKind; until: number } | null = null;

/** The store new content goes to: the migration's setting, else POSTROOM_BLOB_STORE. */
export async function activeBlobStore(): Promise<BlobStoreKind> {
  if (cached && cached.until > Date.now()) return cached.kind;
  const [row] = await rawDb().readCached<{ value: string }>('SELECT value FROM settings WHERE `key` = ?', [
    BLOB_STORE_SETTING,
  ]);
  const kind = parseBlobStoreKind(row?.value) ?? configuredKind();
  cached = { kind, until: Date.now() + ACTIVE_STORE_TTL_MS };
  return kind;
}

/** Forgets the looked-up store (tests, and the migration in its own process). */
export function forgetActiveBlobStore(): void {
  cached = null;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Writes the content durably to the active store (if not already there) and returns its hash. */
export async function writeBlob(content: Buffer): Promise<string> {
  if ((await activeBlobStore()) === 'filesystem') return writeBlobFile(content);
  const hash = sha256(content);
  await putDbBlob(hash, content);
  return hash;
}

async function fileSize(hash: string): Promise<number | null> {
  const stat = await fs.stat(blobPath(hash)).catch(() => null);
  return stat ? stat.size : null;
}

/** Whether a whole copy of the blob is in either store. */
export async function blobExists(hash: string, size: number): Promise<boolean> {
  return (await fileSize(hash)) === size || (await dbBlobSize(hash)) === size;
}

/**
 * After a commit that added a reference: makes sure the content is still in some store (the
 * collector may have removed a then unreferenced copy meanwhile, gc.ts), writing it again to the
 * active store from `content` (a Buffer, or the path of a file holding it) if not.
 */
export async function ensureBlob(hash: string, size: number, content: Buffer | string): Promise<void> {
  if ((await activeBlobStore()) === 'filesystem' && Buffer.isBuffer(content))
    return ensureBlobFile(hash, content);
  if (await blobExists(hash, size)) return;
  if ((await activeBlobStore()) === 'database') {
    await (Buffer.isBuffer(content) ? putDbBlob(hash, content) : putDbBlobFile(hash, size, content));
    return;
  }
  await writeBlobFile(Buffer.isBuffer(content) ? content : await fs.readFile(content));
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function readBlob(hash: string): Promise<Buffer> {
  try {
    return await fs.readFile(blobPath(hash));
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  return readFromDatabase(hash);
}

/** Content in chunk rows: a small one (kept inline, most mail) in one query, else a chunk at a time. */
async function readFromDatabase(hash: string): Promise<Buffer> {
  return (await readSmallDbBlob(hash)) ?? collect(openDbBlob(hash));
}

/** Reads a blob whose size the caller knows: small files synchronously (a page-cache copy). */
export async function readBlobOfSize(hash: string, size: number): Promise<Buffer> {
  if (size > SYNC_READ_BYTES) return readBlob(hash);
  try {
    return readFileSync(blobPath(hash));
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  return readFromDatabase(hash);
}

/** Bytes [start, end] (inclusive) of a blob, from whichever store holds it, a chunk at a time. */
export function streamBlob(hash: string, options: { start?: number; end?: number } = {}): Readable {
  const path = blobPath(hash, config().dataDir);
  const fromFile = async (offset: number): Promise<AsyncIterable<Buffer> | null> => {
    try {
      // Opened first: a migration that unlinks the file now no longer cuts this read short.
      const handle = await fs.open(path, 'r');
      return handle.createReadStream({ start: offset, end: options.end, highWaterMark: 256 * 1024 });
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  };
  async function* content(): AsyncGenerator<Buffer> {
    const file = await fromFile(options.start ?? 0);
    if (file) {
      yield* file;
      return;
    }
    yield* openDbBlob(hash, options, fromFile) as AsyncIterable<Buffer>;
  }
  return Readable.from(content(), { objectMode: false });
}

export { BlobMissingError };
