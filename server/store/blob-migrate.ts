// `postroom blobs migrate --to database|filesystem`: moves message content between the stores
// while the servers keep running. The order makes every step safe to interrupt and re-run:
// 1. the settings row `blob_store` names the target, so every process writes new content there
//    once its cached choice expires (blob-store.ts); the migration waits out that expiry;
// 2. each blob in the source store is copied to the target, its SHA-256 checked on the way (a
//    mismatch keeps the source and is reported), and only then is the source copy removed;
// 3. the source is listed again, for content that a write in flight at the switch put there.
// Content small enough to be kept inline (blob-store.ts, inlineBlobBytes) stays in the database
// when moving to files: new small mail goes there under either store.
// Reads look in both stores throughout, and a database read whose rows vanish mid-stream carries
// on from the file, so no reader sees a gap. The collector removes both copies of a dead blob.
import { promises as fs, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { config } from '../core/config';
import { db } from '../core/db';
import { blobPath, blobRoot } from './blobs';
import {
  ACTIVE_STORE_TTL_MS,
  BLOB_STORE_SETTING,
  type BlobStoreKind,
  forgetActiveBlobStore,
  inlineBlobBytes,
} from './blob-store';
import { listDbBlobs, openDbBlob, putDbBlobFile } from './blob-store-db';
import { rawDb } from './raw';
import { SpoolWriter } from './spool';

const HASH = /^[0-9a-f]{64}$/;

export interface BlobMigration {
  moved: number;
  bytes: number;
  failed: Map<string, string>;
  /** Still in the source after the last pass (written there by a process that had not switched). */
  left: number;
}

async function* listFileBlobs(dataDir: string): AsyncGenerator<{ hash: string; size: number }> {
  async function* visit(dir: string, depth: number): AsyncGenerator<{ hash: string; size: number }> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (depth < 2) {
        if (entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name)) yield* visit(path, depth + 1);
      } else if (entry.isFile() && HASH.test(entry.name)) {
        const stat = await fs.stat(path).catch(() => null);
        if (stat) yield { hash: entry.name, size: stat.size };
      }
    }
  }
  yield* visit(blobRoot(dataDir), 0);
}

/** One blob from the files into chunk rows (hash checked inside the chunks' transaction), then the file goes. */
async function moveToDatabase(hash: string, size: number, dataDir: string): Promise<void> {
  const path = blobPath(hash, dataDir);
  await putDbBlobFile(hash, size, path);
  await fs.rm(path, { force: true });
}

/** One blob from chunk rows into a fsynced file (hash checked before it is placed), then the rows go. */
async function moveToFiles(hash: string, dataDir: string): Promise<void> {
  const writer = await SpoolWriter.open(dataDir);
  try {
    for await (const chunk of openDbBlob(hash)) await writer.write(chunk as Buffer);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const file = await writer.finishChecked(hash);
  try {
    await file.placeFile();
  } finally {
    await file.discard();
  }
  await rawDb().transaction(
    (tx) => tx.run('DELETE FROM blob_chunks WHERE sha256 = ?', [hash]),
    'blob migrate',
  );
}

/** What is to move: every file into the database; out of it, what is too large to stay inline. */
async function* toMove(to: BlobStoreKind, dataDir: string): AsyncGenerator<{ hash: string; size: number }> {
  if (to === 'database') return yield* listFileBlobs(dataDir);
  const inline = inlineBlobBytes();
  for await (const blob of listDbBlobs()) if (blob.size > inline) yield blob;
}

async function pass(to: BlobStoreKind, dataDir: string, result: BlobMigration): Promise<void> {
  for await (const { hash, size } of toMove(to, dataDir)) {
    try {
      if (to === 'database') await moveToDatabase(hash, size, dataDir);
      else await moveToFiles(hash, dataDir);
      result.moved++;
      result.failed.delete(hash);
      result.bytes += size;
    } catch (error) {
      result.failed.set(hash, (error as Error).message);
    }
  }
}

export async function migrateBlobs(
  to: BlobStoreKind,
  options: { dataDir?: string; switchWaitMs?: number } = {},
): Promise<BlobMigration> {
  const dataDir = options.dataDir ?? config().dataDir;
  await db().setting.upsert({
    where: { key: BLOB_STORE_SETTING },
    create: { key: BLOB_STORE_SETTING, value: to },
    update: { value: to },
  });
  forgetActiveBlobStore();
  await new Promise((resolve) => setTimeout(resolve, options.switchWaitMs ?? 3 * ACTIVE_STORE_TTL_MS));
  const result: BlobMigration = { moved: 0, bytes: 0, failed: new Map(), left: 0 };
  await pass(to, dataDir, result);
  await pass(to, dataDir, result); // what arrived in the source during the first pass
  for await (const _ of toMove(to, dataDir)) result.left++;
  return result;
}
