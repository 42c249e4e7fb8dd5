// Row locks in the store's one order (see the lock order in index.ts). Every write transaction
// takes the rows it will change through these helpers, at its start and in this order, before any
// plain read: under MariaDB's REPEATABLE READ the first plain read fixes the snapshot, so reading
// after the locks sees everything committed by the writers that held them before us.
//
// On SQLite there are no row locks, only one writer at a time. Each helper's first statement
// there is a write that changes nothing, so a deferred (Prisma) transaction becomes the writer at
// once and waits for its turn within the busy timeout, instead of reading first and failing with
// SQLITE_BUSY_SNAPSHOT when it tries to write after another connection committed.
import { provider, type Tx } from '../core/db';
import type { RawTx, SqlValue } from './raw';

export interface LockingTx extends RawTx {
  dialect: 'mysql' | 'sqlite';
}

/** The same statements over a Prisma interactive transaction. */
export function lockingTx(tx: Tx): LockingTx {
  return {
    dialect: provider(),
    run: async (sql, params = []) => void (await tx.$executeRawUnsafe(sql, ...params)),
    all: <T>(sql: string, params: SqlValue[] = []) => tx.$queryRawUnsafe<T[]>(sql, ...params),
  };
}

function sortedUnique<T extends number | string>(values: T[]): T[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function placeholders(count: number): string {
  return Array(count).fill('?').join(', ');
}

export interface LockedUser {
  usedBytes: bigint;
  quotaBytes: bigint;
}

/** Locks users rows (id ascending) for quota and used bytes; users that no longer exist are absent. */
export async function lockUsers(tx: LockingTx, userIds: number[]): Promise<Map<number, LockedUser>> {
  const ids = sortedUnique(userIds);
  if (ids.length === 0) return new Map();
  const list = placeholders(ids.length);
  if (tx.dialect === 'sqlite')
    await tx.run(`UPDATE users SET used_bytes = used_bytes WHERE id IN (${list})`, ids);
  const rows = await tx.all<{ id: number; used_bytes: bigint | number; quota_bytes: bigint | number }>(
    `SELECT id, used_bytes, quota_bytes FROM users WHERE id IN (${list}) ORDER BY id${forUpdate(tx)}`,
    ids,
  );
  return new Map(
    rows.map((row) => [
      Number(row.id),
      { usedBytes: BigInt(row.used_bytes), quotaBytes: BigInt(row.quota_bytes) },
    ]),
  );
}

export interface LockedFolder {
  userId: number;
  uidNext: number;
  highestModseq: bigint;
  uidValidity: number;
}

/** Locks folders rows (id ascending); folders that no longer exist are absent from the answer. */
export async function lockFolders(tx: LockingTx, folderIds: number[]): Promise<Map<number, LockedFolder>> {
  const ids = sortedUnique(folderIds);
  if (ids.length === 0) return new Map();
  const list = placeholders(ids.length);
  if (tx.dialect === 'sqlite')
    await tx.run(`UPDATE folders SET uid_next = uid_next WHERE id IN (${list})`, ids);
  const rows = await tx.all<{
    id: number;
    user_id: number;
    uid_next: number;
    highest_modseq: bigint | number;
    uid_validity: number;
  }>(
    `SELECT id, user_id, uid_next, highest_modseq, uid_validity FROM folders WHERE id IN (${list}) ORDER BY id${forUpdate(tx)}`,
    ids,
  );
  return new Map(
    rows.map((row) => [
      Number(row.id),
      {
        userId: Number(row.user_id),
        uidNext: Number(row.uid_next),
        highestModseq: BigInt(row.highest_modseq),
        uidValidity: Number(row.uid_validity),
      },
    ]),
  );
}

/**
 * Locks one folder of a user found by name (its row only: take the user's row first); null when
 * there is none. A locking read, so the plain reads after it see the folder's messages as they are.
 */
export async function lockFolderByName(
  tx: LockingTx,
  userId: number,
  name: string,
): Promise<{ id: number; subscribed: boolean } | null> {
  if (tx.dialect === 'sqlite')
    await tx.run('UPDATE folders SET uid_next = uid_next WHERE user_id = ? AND name = ?', [userId, name]);
  const [row] = await tx.all<{ id: number; subscribed: number | boolean }>(
    `SELECT id, subscribed FROM folders WHERE user_id = ? AND name = ?${forUpdate(tx)}`,
    [userId, name],
  );
  return row ? { id: Number(row.id), subscribed: Boolean(row.subscribed) } : null;
}

/**
 * Takes blobs rows in shared mode (sha256 ascending) before inserting messages that refer to them
 * without changing their counts (MOVE): the foreign key check would otherwise take the same shared
 * locks in message order, against writers that take them exclusively in sha256 order.
 */
export async function shareBlobs(tx: LockingTx, hashes: string[]): Promise<void> {
  if (tx.dialect === 'sqlite') return;
  const list = sortedUnique(hashes);
  for (let start = 0; start < list.length; start += 500) {
    const part = list.slice(start, start + 500);
    await tx.all(
      `SELECT sha256 FROM blobs WHERE sha256 IN (${placeholders(part.length)}) ORDER BY sha256 LOCK IN SHARE MODE`,
      part,
    );
  }
}

/** Blob hashes with how many references to add or drop, in the order their rows must be locked. */
export function blobsInLockOrder(counts: Map<string, number>): [string, number][] {
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function forUpdate(tx: LockingTx): string {
  return tx.dialect === 'mysql' ? ' FOR UPDATE' : '';
}
