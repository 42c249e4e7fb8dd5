// Message content kept in the database (POSTROOM_BLOB_STORE=database, rows in blob_chunks) goes
// into a backup as ordinary message files: a backup looks the same whichever store the content
// came from, so incremental backups link it, --verify checks it by its name, and a half-migrated
// store (some content in files, some in rows) is one set of files. Content moves a chunk at a
// time both ways (one 1 MiB row in memory), its SHA-256 checked against its name before the file
// or the rows are kept.
import { createHash } from 'node:crypto';
import { promises as fs, createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { CHUNK_BYTES } from '../store/blob-store-db';

/** The chunk rows of a database snapshot. */
export interface ChunkReader {
  /** Chunk `idx` of a blob, or null when there is no such row. */
  chunk(hash: string, idx: number): Promise<Buffer | null>;
  /** Whether the blob has rows (its first chunk's key only, not its content). */
  has(hash: string): Promise<boolean>;
}

/**
 * Writes the blob `hash` from chunk rows to the file `dest` (through a temporary name) and returns
 * its size, or null when the snapshot holds no chunk of it. Throws, keeping nothing, when the
 * chunks do not hash to the name.
 */
export async function copyChunksToFile(
  read: ChunkReader,
  hash: string,
  dest: string,
): Promise<number | null> {
  let data = await read.chunk(hash, 0);
  if (!data) return null;
  await fs.mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  const temp = `${dest}.part`;
  const out = await fs.open(temp, 'w', 0o600);
  const digest = createHash('sha256');
  let size = 0;
  try {
    for (let idx = 0; data; ) {
      digest.update(data);
      size += data.length;
      await out.write(data);
      if (data.length < CHUNK_BYTES) break;
      data = await read.chunk(hash, ++idx);
    }
    await out.close();
    const actual = digest.digest('hex');
    if (actual !== hash)
      throw new Error(
        `message content ${hash} in the database is damaged (its ${size} bytes of chunks hash to ${actual})`,
      );
    await fs.rename(temp, dest);
    return size;
  } catch (error) {
    await out.close().catch(() => {});
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** Where restore writes chunk rows: one call per row, inside a transaction per blob. */
export interface ChunkWriter {
  begin(): Promise<void>;
  insert(hash: string, idx: number, data: Buffer): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/**
 * Reads a backup's message file a chunk at a time into rows under `hash`, in one transaction;
 * rolled back (and an error thrown) when the file does not hash to its name.
 */
export async function copyFileToChunks(path: string, hash: string, writer: ChunkWriter): Promise<number> {
  await writer.begin();
  try {
    const digest = createHash('sha256');
    let idx = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (bytes: number) => {
      const all = Buffer.concat(pending, pendingBytes);
      await writer.insert(hash, idx++, all.subarray(0, bytes));
      pending = bytes < all.length ? [all.subarray(bytes)] : [];
      pendingBytes = all.length - bytes;
    };
    for await (const piece of createReadStream(path, {
      highWaterMark: CHUNK_BYTES,
    }) as AsyncIterable<Buffer>) {
      digest.update(piece);
      size += piece.length;
      pending.push(piece);
      pendingBytes += piece.length;
      while (pendingBytes >= CHUNK_BYTES) await flush(CHUNK_BYTES);
    }
    if (pendingBytes > 0 || idx === 0) await flush(pendingBytes);
    const actual = digest.digest('hex');
    if (actual !== hash)
      throw new Error(`message file ${hash} in the backup is damaged (run postroom backup --verify)`);
    await writer.commit();
    return size;
  } catch (error) {
    await writer.rollback().catch(() => {});
    throw error;
  }
}
