// Server-side records of console and webmail sign-ins. The session cookie is a signed JWT that
// only names a record here; every request looks the record up, so a session ends the moment its
// record is revoked: by signing out, "sign out everywhere", a new password, a disabled mailbox or
// a changed role (server/domain/mailboxes.ts), not when the cookie's own expiry comes.
import { randomBytes } from 'node:crypto';
import { db, type Tx } from '../core/db';

/** A session unused this long has ended, whatever its cookie says (the cookie's own lifetime). */
export const WEB_SESSION_IDLE_SECONDS = 8 * 60 * 60;
/** "Last seen" is written at most this often, so a busy webmail does not write on every request. */
const LAST_SEEN_RESOLUTION_MS = 60_000;
const USER_AGENT_MAX = 512;
const CLIENT_IP_MAX = 64;

export interface WebSessionView {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string;
  clientIp: string;
}

function idleCutoff(now = Date.now()): Date {
  return new Date(now - WEB_SESSION_IDLE_SECONDS * 1000);
}

/** Records a new sign-in and returns the session id the cookie will carry. */
export async function openWebSession(input: {
  userId: number;
  userAgent?: string;
  clientIp?: string;
}): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const now = new Date();
  await db().webSession.create({
    data: {
      id,
      userId: input.userId,
      createdAt: now,
      lastSeenAt: now,
      userAgent: (input.userAgent ?? '').slice(0, USER_AGENT_MAX),
      clientIp: (input.clientIp ?? '').slice(0, CLIENT_IP_MAX),
    },
  });
  // Housekeeping while we are here: this user's ended sessions need no record any more.
  await db().webSession.deleteMany({
    where: {
      userId: input.userId,
      OR: [{ revokedAt: { not: null } }, { lastSeenAt: { lt: idleCutoff() } }],
    },
  });
  return id;
}

/**
 * True when the session exists, belongs to the user, is not revoked and was used recently; its
 * "last seen" moves on (at most once a minute).
 */
export async function touchWebSession(id: string, userId: number, clientIp?: string): Promise<boolean> {
  const row = await db().webSession.findUnique({ where: { id } });
  const now = Date.now();
  if (!row || row.userId !== userId || row.revokedAt || row.lastSeenAt < idleCutoff(now)) return false;
  if (now - row.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    await db().webSession.updateMany({
      where: { id, revokedAt: null },
      data: {
        lastSeenAt: new Date(now),
        ...(clientIp ? { clientIp: clientIp.slice(0, CLIENT_IP_MAX) } : {}),
      },
    });
  }
  return true;
}

/** The user's sessions that still work, most recently used first. */
export async function listWebSessions(userId: number): Promise<WebSessionView[]> {
  return db().webSession.findMany({
    where: { userId, revokedAt: null, lastSeenAt: { gte: idleCutoff() } },
    orderBy: { lastSeenAt: 'desc' },
    select: { id: true, createdAt: true, lastSeenAt: true, userAgent: true, clientIp: true },
  });
}

/** Ends one session of the user (a no-op for an unknown id or someone else's session). */
export async function revokeWebSession(id: string, userId: number): Promise<boolean> {
  const result = await db().webSession.updateMany({
    where: { id, userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return result.count > 0;
}

/**
 * Ends every session of the user, inside the caller's transaction when given one (so a new
 * password and the end of the old sessions commit together).
 */
export async function revokeAllWebSessions(userId: number, tx?: Tx): Promise<number> {
  const result = await (tx ?? db()).webSession.updateMany({
    where: { userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return result.count;
}
