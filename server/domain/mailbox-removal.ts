// Removing mailboxes with their folders and messages, the rows taken in the store's lock order
// (server/store/index.ts: users → folders → blobs → messages): a delivery or an EXPUNGE of the same
// user in another process then queues behind the removal instead of deadlocking with it. The first
// statement of the transaction must be a locking one (store/locks.ts): under MariaDB's REPEATABLE
// READ the first plain read fixes the snapshot, and the message counts read after the locks must
// include mail committed by writers that held the rows before us.
import type { Tx } from '../core/db';
import { lockingTx, lockUsers } from '../store/locks';

/** Locks the mailbox `local@domain` (its users row); its id, or null when there is none. */
export async function lockMailboxByAddress(tx: Tx, local: string, domain: string): Promise<number | null> {
  const locking = lockingTx(tx);
  if (locking.dialect === 'sqlite')
    await locking.run('UPDATE users SET used_bytes = used_bytes WHERE local = ? AND domain = ?', [
      local,
      domain,
    ]);
  const [row] = await locking.all<{ id: number }>(
    `SELECT id FROM users WHERE local = ? AND domain = ?${locking.dialect === 'mysql' ? ' FOR UPDATE' : ''}`,
    [local, domain],
  );
  return row ? Number(row.id) : null;
}

/** Locks the domains row of `domain` (before its users: no mailbox can be added meanwhile). */
export async function lockDomainRow(tx: Tx, domain: string): Promise<void> {
  const locking = lockingTx(tx);
  if (locking.dialect === 'sqlite')
    await locking.run('UPDATE domains SET enabled = enabled WHERE domain = ?', [domain]);
  else await locking.all('SELECT id FROM domains WHERE domain = ? FOR UPDATE', [domain]);
}

/**
 * Locks every mailbox of `domain` (ids ascending) and returns their ids. `known` is what a read
 * before the transaction found: those are locked by primary key in id order; a mailbox added since
 * shows up in the locking re-read and sends the caller round again (StaleMailboxList).
 */
export async function lockDomainMailboxes(tx: Tx, domain: string, known: number[]): Promise<number[]> {
  const locking = lockingTx(tx);
  const locked = await lockUsers(locking, known);
  const present = await locking.all<{ id: number }>(
    `SELECT id FROM users WHERE domain = ?${locking.dialect === 'mysql' ? ' FOR UPDATE' : ''}`,
    [domain],
  );
  const ids = present.map((row) => Number(row.id));
  if (ids.some((id) => !locked.has(id))) throw new StaleMailboxList();
  return ids.sort((a, b) => a - b);
}

/** A mailbox was added to the domain between the list read and the locks: read it again. */
export class StaleMailboxList extends Error {
  constructor() {
    super('the mailbox list changed while it was being locked');
  }
}

/**
 * Removes the mailboxes `userIds` (their users rows already locked by this transaction): folders
 * locked, the blob references of their messages released in sha256 order, then the rows deleted
 * (folders and messages go with the user). Unreferenced blobs are collected by store/gc.ts.
 */
export async function removeLockedMailboxes(tx: Tx, userIds: number[]): Promise<void> {
  if (userIds.length === 0) return;
  const locking = lockingTx(tx);
  const list = userIds.map(() => '?').join(', ');
  // On SQLite the users row update made this transaction the writer; there are no row locks.
  if (locking.dialect === 'mysql')
    await locking.all(
      `SELECT id FROM folders WHERE user_id IN (${list}) ORDER BY user_id, id FOR UPDATE`,
      userIds,
    );
  const references = await locking.all<{ sha256: string; count: number | bigint }>(
    `SELECT m.blob_sha256 AS sha256, COUNT(*) AS count FROM messages m JOIN folders f ON f.id = m.folder_id
      WHERE f.user_id IN (${list}) GROUP BY m.blob_sha256`,
    userIds,
  );
  references.sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  for (const { sha256, count } of references)
    await locking.run('UPDATE blobs SET ref_count = ref_count - ? WHERE sha256 = ?', [Number(count), sha256]);
  await tx.user.deleteMany({ where: { id: { in: userIds } } });
}
