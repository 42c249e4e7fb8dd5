// Short-lived signed tokens for the webmail: it never keeps the user's password, and IMAP and
// submission accept these through OAUTHBEARER/XOAUTH2. A token is bound to the mailbox and to its
// password's change time, so a password change or a disabled mailbox refuses it at once.
import { randomBytes } from 'node:crypto';
import { db } from '../core/db';
import type { AuthenticatedUser } from './user';
import { mintUserToken, readUserToken } from './user-token';

let secretPromise: Promise<Buffer> | undefined;

/**
 * POSTROOM_SECRET, or a random secret made once and kept in the settings table. Several processes
 * may make it at once on a fresh database (the cluster's children at their first logins): the
 * first insert wins and everyone reads that one. A failure is not remembered, so the next call
 * tries again instead of failing every login of this process.
 */
export function serverSecret(): Promise<Buffer> {
  secretPromise ??= loadSecret().catch((error: unknown) => {
    secretPromise = undefined;
    throw error;
  });
  return secretPromise;
}

async function loadSecret(): Promise<Buffer> {
  if (process.env.POSTROOM_SECRET) return Buffer.from(process.env.POSTROOM_SECRET);
  const existing = await db().setting.findUnique({ where: { key: 'secret' } });
  if (existing) return Buffer.from(existing.value, 'hex');
  try {
    await db().setting.create({ data: { key: 'secret', value: randomBytes(32).toString('hex') } });
  } catch (error) {
    if ((error as { code?: string }).code !== 'P2002') throw error; // another process made it first
  }
  const stored = await db().setting.findUniqueOrThrow({ where: { key: 'secret' } });
  return Buffer.from(stored.value, 'hex');
}

export async function mintAccessToken(userId: number, ttlSeconds = 15 * 60): Promise<string> {
  return mintUserToken(await serverSecret(), userId, ttlSeconds, {});
}

export async function verifyAccessToken(token: string): Promise<AuthenticatedUser | null> {
  const user = (await readUserToken(await serverSecret(), token))?.user;
  if (!user) return null;
  return {
    id: user.id,
    address: `${user.local}@${user.domain}`,
    local: user.local,
    domain: user.domain,
    displayName: user.displayName,
    role: user.role,
  };
}
