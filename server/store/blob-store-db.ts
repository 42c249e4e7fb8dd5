// Message content in database rows (POSTROOM_BLOB_STORE=database): 1 MiB chunks keyed by SHA-256
// and index, well below MariaDB's max_allowed_packet, so a replicated database (Galera) carries
// the mail to every node. A blob's chunks go in one transaction, hashed as they are written and
// rolled back if the content does not match its name, so a committed blob is always whole. Content
// is streamed both ways a chunk at a time: no whole-message buffer.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { rawDb, type RawTx } from './raw';

/** Every chunk but a blob's last holds exactly this many bytes (ranged reads rely on it). */
export const CHUNK_BYTES = 1024 * 1024;

export class BlobMissingError extends Error {
  constructor(readonly hash: string) {
    super(`message content ${hash} is missing`);
    this.name = 'BlobMissingError';
  }
}

/** Inserts one chunk row, unless that chunk is stored already (the same content, written before). */
export function insertChunkSql(): string {
  return rawDb().provider === 'mysql'
    ? 'INSERT IGNORE INTO blob_chunks (sha256, idx, data, created_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3))'
    : "INSERT OR IGNORE INTO blob_chunks (sha256, idx, data, created_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))";
}

/** The stored size of a blob's chunks, or null when it has none. */
export async function dbBlobSize(hash: string): Promise<number | null> {
  const [row] = await rawDb().read<{ n: number | bigint; bytes: number | bigint | string | null }>(
    'SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM blob_chunks WHERE sha256 = ?',
    [hash],
  );
  return row && Number(row.n) > 0 ? Number(row.bytes ?? 0) : null;
}

/**
 * A blob that fits in its first chunk, read in one query, or null when it does not fit or its rows
 * are not there (the small messages that append.ts keeps in the database: no stream for a page of
 * bytes).
 */
export async function readSmallDbBlob(hash: string): Promise<Buffer | null> {
  // The length test in SQL: a larger blob's first chunk (1 MiB) is not sent, only to be read again.
  const [row] = await rawDb().read<{ data: Buffer }>(
    'SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = 0 AND LENGTH(data) < ?',
    [hash, CHUNK_BYTES],
  );
  return row ? Buffer.from(row.data) : null;
}

/** Chunks from `source` written in one transaction; throws (nothing kept) if they do not hash to `hash`. */
async function putChunks(hash: string, source: () => AsyncIterable<Buffer>): Promise<void> {
  const sql = insertChunkSql();
  await rawDb().transaction(async (tx) => {
    const digest = createHash('sha256');
    let idx = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (bytes: number) => {
      const all = Buffer.concat(pending, pendingBytes);
      await tx.run(sql, [hash, idx++, all.subarray(0, bytes)]);
      pending = bytes < all.length ? [all.subarray(bytes)] : [];
      pendingBytes = all.length - bytes;
    };
    for await (const piece of source()) {
      digest.update(piece);
      pending.push(piece);
      pendingBytes += piece.length;
      while (pendingBytes >= CHUNK_BYTES) await flush(CHUNK_BYTES);
    }
    if (pendingBytes > 0 || idx === 0) await flush(pendingBytes);
    const actual = digest.digest('hex');
    if (actual !== hash) throw new Error(`content hashes to ${actual}, not ${hash}: not stored`);
  }, 'blob chunks');
}

/** Stores `content` under `hash` unless all `size` bytes are there already. */
export async function putDbBlob(hash: string, content: Buffer): Promise<void> {
  if ((await dbBlobSize(hash)) === content.length) return;
  await putChunks(hash, async function* () {
    for (let offset = 0; offset < content.length; offset += CHUNK_BYTES)
      yield content.subarray(offset, offset + CHUNK_BYTES);
  });
}

/** Stores the file at `path` (a spool file) under `hash`, read a chunk at a time. */
export async function putDbBlobFile(hash: string, size: number, path: string): Promise<void> {
  if ((await dbBlobSize(hash)) === size) return;
  await putChunks(hash, () => createReadStream(path, { highWaterMark: CHUNK_BYTES }));
}

/**
 * Reads bytes [start, end] (inclusive, as fs.createReadStream) a chunk at a time. `onMissing`
 * continues from another store when the chunks vanish mid-read (a migration removed them).
 */
export function openDbBlob(
  hash: string,
  range: { start?: number; end?: number } = {},
  onMissing?: (offset: number) => Promise<AsyncIterable<Buffer> | null>,
): Readable {
  const start = range.start ?? 0;
  const end = range.end ?? Number.POSITIVE_INFINITY;
  async function* chunks(): AsyncGenerator<Buffer> {
    let idx = Math.floor(start / CHUNK_BYTES);
    let offset = idx * CHUNK_BYTES;
    while (offset <= end) {
      const [row] = await rawDb().read<{ data: Buffer }>(
        'SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = ?',
        [hash, idx],
      );
      if (!row) {
        // Past the last chunk is the end of the content; a gap before it means the rows went away.
        if (idx > 0 && (await dbBlobSize(hash)) !== null) return;
        const rest = onMissing ? await onMissing(Math.max(start, offset)) : null;
        if (idx === 0 && !rest) throw new BlobMissingError(hash);
        if (rest) yield* rest;
        return;
      }
      const data = Buffer.from(row.data);
      const from = Math.max(0, start - offset);
      const to = Math.min(data.length, end - offset + 1);
      if (to > from) yield data.subarray(from, to);
      if (data.length < CHUNK_BYTES) return;
      offset += data.length;
      idx++;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Removes a blob's chunks inside the collector's transaction (gc.ts). */
export async function deleteDbBlob(tx: RawTx, hash: string): Promise<void> {
  await tx.run('DELETE FROM blob_chunks WHERE sha256 = ?', [hash]);
}

/** Every blob held in chunks, in sha256 order, a page at a time. */
export async function* listDbBlobs(): AsyncGenerator<{ hash: string; size: number }> {
  let after = '';
  for (;;) {
    const rows = await rawDb().read<{ sha256: string; bytes: number | bigint | string }>(
      'SELECT sha256, SUM(LENGTH(data)) AS bytes FROM blob_chunks WHERE sha256 > ? GROUP BY sha256 ORDER BY sha256 LIMIT 500',
      [after],
    );
    if (rows.length === 0) return;
    for (const row of rows) yield { hash: String(row.sha256), size: Number(row.bytes) };
    after = String(rows[rows.length - 1]!.sha256);
  }
}
