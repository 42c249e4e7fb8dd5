// Keeps the change feed (`mail_changes`) from growing for ever. Open sessions read it live and
// CONDSTORE/QRESYNC clients ask for the expunges after the MODSEQ they last saw (VANISHED, RFC 7162
// 3.2.5-3.2.6), so rows are kept for a number of days. The table has no time column: each run
// records a checkpoint (time, highest row id) in `settings`, and rows at or below the newest
// checkpoint older than the retention are pruned.
//
// What pruning forgets is remembered per folder as one row of kind 'floor' whose MODSEQ is the
// highest pruned expunge: a client whose MODSEQ is below it gets a full VANISHED (EARLIER) answer,
// every UID it may know that is no longer there, which RFC 7162 3.2.5.2 allows. The newest row of
// every folder stays too, as the folder's change cursor (SELECT's view cache keys on it).
import { db } from '../core/db';
import { rawDb } from './raw';

const CHECKPOINTS_KEY = 'mail_changes.checkpoints';
const DAY_MS = 86_400_000;

interface Checkpoint {
  at: number;
  id: number;
}

async function readCheckpoints(): Promise<Checkpoint[]> {
  const row = await db().setting.findUnique({ where: { key: CHECKPOINTS_KEY } });
  if (!row) return [];
  try {
    const parsed = JSON.parse(row.value) as unknown;
    return Array.isArray(parsed)
      ? parsed.filter((c): c is Checkpoint => typeof c?.at === 'number' && typeof c?.id === 'number')
      : [];
  } catch {
    return [];
  }
}

/** Prunes change rows older than `retentionDays` (by checkpoint); returns how many rows went. */
export async function pruneMailChanges(retentionDays: number, now = Date.now()): Promise<number> {
  const newest = await db().mailChange.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  const cutoffTime = now - retentionDays * DAY_MS;
  const checkpoints = [...(await readCheckpoints()), { at: now, id: newest?.id ?? 0 }].sort(
    (a, b) => a.at - b.at,
  );
  const expired = checkpoints.filter((c) => c.at <= cutoffTime);
  const cutoffId = expired.at(-1)?.id ?? 0;
  // Keep the newest expired checkpoint (the next cutoff never goes backwards) and all younger ones.
  const kept = checkpoints.filter((c) => c.at > cutoffTime || c === expired.at(-1));
  const value = JSON.stringify(kept);
  await db().setting.upsert({
    where: { key: CHECKPOINTS_KEY },
    create: { key: CHECKPOINTS_KEY, value },
    update: { value },
  });
  if (cutoffId <= 0) return 0;
  const folders = await rawDb().read<{ folder_id: number }>(
    "SELECT DISTINCT folder_id FROM mail_changes WHERE id <= ? AND kind <> 'floor'",
    [cutoffId],
  );
  let pruned = 0;
  for (const { folder_id } of folders) pruned += await pruneFolder(Number(folder_id), cutoffId);
  return pruned;
}

async function pruneFolder(folderId: number, cutoffId: number): Promise<number> {
  const raw = rawDb();
  const lock = raw.provider === 'mysql' ? ' FOR UPDATE' : '';
  return raw.transaction(async (tx) => {
    // The folder row first, as every writer to a folder takes it (no deadlock with EXPUNGE).
    const [folder] = await tx.all<{ id: number }>(`SELECT id FROM folders WHERE id = ?${lock}`, [folderId]);
    const [newest] = await tx.all<{ id: number }>(
      'SELECT MAX(id) AS id FROM mail_changes WHERE folder_id = ?',
      [folderId],
    );
    const keepId = Number(newest?.id ?? 0);
    if (!folder) {
      // A deleted folder's feed is of no use to anyone.
      await tx.run('DELETE FROM mail_changes WHERE folder_id = ? AND id <= ?', [folderId, cutoffId]);
      return 0;
    }
    const [forgotten] = await tx.all<{ id: number | null; modseq: bigint | number | null }>(
      `SELECT MAX(id) AS id, MAX(modseq) AS modseq FROM mail_changes
        WHERE folder_id = ? AND id <= ? AND kind IN ('expunge', 'floor')`,
      [folderId, cutoffId],
    );
    const floorId = forgotten?.id === null || forgotten?.id === undefined ? 0 : Number(forgotten.id);
    if (floorId > 0)
      await tx.run("UPDATE mail_changes SET kind = 'floor', uid = 0, modseq = ? WHERE id = ?", [
        BigInt(forgotten!.modseq!),
        floorId,
      ]);
    const [counted] = await tx.all<{ n: number | bigint }>(
      'SELECT COUNT(*) AS n FROM mail_changes WHERE folder_id = ? AND id <= ? AND id <> ? AND id <> ?',
      [folderId, cutoffId, floorId, keepId],
    );
    await tx.run('DELETE FROM mail_changes WHERE folder_id = ? AND id <= ? AND id <> ? AND id <> ?', [
      folderId,
      cutoffId,
      floorId,
      keepId,
    ]);
    return Number(counted?.n ?? 0);
  });
}

/**
 * The MODSEQ at or below which this folder's expunge history was pruned (0: complete). A client
 * asking for expunges since a lower MODSEQ must get the full answer (vanishedAnswer in imap/).
 */
export async function expungeHistoryFloor(folderId: number): Promise<bigint> {
  const [row] = await rawDb().read<{ modseq: bigint | number | null }>(
    "SELECT MAX(modseq) AS modseq FROM mail_changes WHERE folder_id = ? AND kind = 'floor'",
    [folderId],
  );
  return row?.modseq === null || row?.modseq === undefined ? 0n : BigInt(row.modseq);
}
