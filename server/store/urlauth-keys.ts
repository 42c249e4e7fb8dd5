// URLAUTH mailbox access keys (RFC 4467 section 3): one random 256-bit secret per folder, kept in
// the database so every worker process signs and verifies with the same key and restarts keep
// URLs valid. RESETKEY deletes keys; the next GENURLAUTH makes a new one. Secrets are never logged.
import { randomBytes } from 'node:crypto';
import { db } from '../core/db';

/** The folder's key; with `create`, made on first use (a concurrent maker's key wins the race). */
export async function mailboxKey(folderId: number, create: boolean): Promise<Buffer | null> {
  const found = await db().urlauthKey.findUnique({ where: { folderId }, select: { secret: true } });
  if (found) return Buffer.from(found.secret, 'hex');
  if (!create) return null;
  try {
    await db().urlauthKey.create({ data: { folderId, secret: randomBytes(32).toString('hex') } });
  } catch (error) {
    // Rethrown without the original message, which could quote the secret in the query.
    const code = (error as { code?: string }).code;
    if (code !== 'P2002')
      throw new Error(`URLAUTH key for folder ${folderId} not stored (${code ?? 'unknown error'})`);
  }
  const made = await db().urlauthKey.findUnique({ where: { folderId }, select: { secret: true } });
  return made ? Buffer.from(made.secret, 'hex') : null;
}

/** RESETKEY mailbox: URLs signed for this folder stop working. */
export async function resetMailboxKey(folderId: number): Promise<void> {
  await db().urlauthKey.deleteMany({ where: { folderId } });
}

/** RESETKEY without a mailbox: every key of the user goes. */
export async function resetUserKeys(userId: number): Promise<void> {
  await db().urlauthKey.deleteMany({ where: { folder: { userId } } });
}
