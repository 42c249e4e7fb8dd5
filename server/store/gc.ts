// Collects message files nobody references any more (expunged, deleted folders, sent queue
// entries). The store is content-addressed, so a new append of identical content may be taking a
// reference to a blob at the very moment it is collected. Safe because:
// - a blob goes only inside a transaction that holds its row (FOR UPDATE on MariaDB; SQLite's one
//   writer) and re-checks that nothing refers to it; the file is unlinked before that commit;
// - a writer adds its reference with an upsert on the same row, so it either commits first (the
//   collector then sees the reference and leaves the blob) or after the file is gone, and every
//   writer makes sure the file exists after its commit, before answering (blobs.ensureBlobFile);
//   small content written inline (append.ts) is inserted in the same transaction as its reference,
//   after the row, so it is either left alone or inserted again once the collector has committed.
// Files with no row at all (a refused or crashed append) are adopted as unreferenced rows once
// older than a grace period, then collected the same way.
import { promises as fs, rmSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { config } from '../core/config';
import { logger } from '../core/logger';
import { blobPath, blobRoot } from './blobs';
import { deleteDbBlob } from './blob-store-db';
import { rawDb, type RawTx } from './raw';

const HASH = /^[0-9a-f]{64}$/;
const BATCH = 500;

export interface BlobCollection {
  adopted: number;
  removed: number;
}

/** Removes unreferenced blobs (rows and files); orphan files count once older than `orphanGraceMs`. */
export async function collectBlobs(
  options: { orphanGraceMs?: number; dataDir?: string } = {},
): Promise<BlobCollection> {
  const dataDir = options.dataDir ?? config().dataDir;
  const adopted = await adoptOrphanFiles(options.orphanGraceMs ?? 60 * 60_000, dataDir);
  let removed = 0;
  let after = '';
  for (;;) {
    const candidates = await rawDb().read<{ sha256: string }>(
      'SELECT sha256 FROM blobs WHERE ref_count <= 0 AND sha256 > ? ORDER BY sha256 LIMIT ?',
      [after, BATCH],
    );
    if (candidates.length === 0) break;
    for (const { sha256 } of candidates) if (await collectOne(String(sha256), dataDir)) removed++;
    after = String(candidates[candidates.length - 1]!.sha256);
  }
  return { adopted, removed };
}

async function isReferenced(tx: RawTx, sha256: string): Promise<boolean> {
  const [row] = await tx.all<{ used: number | bigint }>(
    `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE blob_sha256 = ? LIMIT 1) m)
          + (SELECT COUNT(*) FROM (SELECT 1 FROM queue_entries WHERE blob_sha256 = ? LIMIT 1) q) AS used`,
    [sha256, sha256],
  );
  return Number(row?.used ?? 0) > 0;
}

async function collectOne(sha256: string, dataDir: string): Promise<boolean> {
  const raw = rawDb();
  const lock = raw.provider === 'mysql' ? ' FOR UPDATE' : '';
  return raw.transaction(async (tx) => {
    const [row] = await tx.all<{ ref_count: number | bigint }>(
      `SELECT ref_count FROM blobs WHERE sha256 = ?${lock}`,
      [sha256],
    );
    if (!row || Number(row.ref_count) > 0) return false; // re-referenced meanwhile
    if (await isReferenced(tx, sha256)) {
      // The count drifted below the truth: keep the content, say so once per run.
      logger.warn('blob has references but a zero count; kept', { sha256 });
      return false;
    }
    // Unlinked before the commit: a writer whose upsert waited on this row commits after it and
    // then finds the file missing and writes it again (blobs.ensureBlobFile). Synchronously, so
    // the write lock is not held across a turn of the event loop (other processes wait for it).
    // Both stores: content may sit in either during and after a migration (blob-store.ts).
    rmSync(blobPath(sha256, dataDir), { force: true });
    await deleteDbBlob(tx, sha256);
    await tx.run('DELETE FROM blobs WHERE sha256 = ?', [sha256]);
    return true;
  });
}

/** Files under blobs/ with no row, older than the grace period, get an unreferenced row. */
async function adoptOrphanFiles(graceMs: number, dataDir: string): Promise<number> {
  const cutoff = Date.now() - graceMs;
  const found: { sha256: string; size: number }[] = [];
  let adopted = 0;
  const flush = async () => {
    if (found.length === 0) return;
    const batch = found.splice(0);
    const known = new Set(
      (
        await rawDb().read<{ sha256: string }>(
          `SELECT sha256 FROM blobs WHERE sha256 IN (${batch.map(() => '?').join(', ')})`,
          batch.map((file) => file.sha256),
        )
      ).map((row) => String(row.sha256)),
    );
    const orphans = batch.filter((file) => !known.has(file.sha256));
    if (orphans.length === 0) return;
    const raw = rawDb();
    const insert =
      raw.provider === 'mysql'
        ? 'INSERT IGNORE INTO blobs (sha256, size, ref_count, created_at) VALUES (?, ?, 0, CURRENT_TIMESTAMP(3))'
        : "INSERT INTO blobs (sha256, size, ref_count, created_at) VALUES (?, ?, 0, strftime('%Y-%m-%dT%H:%M:%fZ')) ON CONFLICT(sha256) DO NOTHING";
    await raw.transaction(async (tx) => {
      for (const file of orphans) await tx.run(insert, [file.sha256, file.size]);
    });
    adopted += orphans.length;
  };
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (depth < 2) {
        if (entry.isDirectory()) await visit(path, depth + 1);
        continue;
      }
      if (!entry.isFile() || !HASH.test(entry.name)) continue;
      const stat = await fs.stat(path).catch(() => null);
      if (!stat || stat.mtimeMs >= cutoff) continue;
      found.push({ sha256: entry.name, size: stat.size });
      if (found.length >= BATCH) await flush();
    }
  };
  await visit(blobRoot(dataDir), 0);
  await flush();
  // Chunks in the database with no row (a writer that died between its chunks and its commit).
  const rows = await rawDb().read<{ sha256: string; bytes: number | bigint | string }>(
    `SELECT c.sha256, (SELECT SUM(LENGTH(d.data)) FROM blob_chunks d WHERE d.sha256 = c.sha256) AS bytes
       FROM blob_chunks c LEFT JOIN blobs b ON b.sha256 = c.sha256
      WHERE c.idx = 0 AND b.sha256 IS NULL AND c.created_at < ?`,
    [rawDb().date(new Date(cutoff))],
  );
  for (const row of rows) {
    found.push({ sha256: String(row.sha256), size: Number(row.bytes) });
    if (found.length >= BATCH) await flush();
  }
  await flush();
  return adopted;
}
