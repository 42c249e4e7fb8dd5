// Short-lived signed tokens for the webmail: it never keeps the user's password, and IMAP and
// submission accept these through OAUTHBEARER/XOAUTH2. A token is bound to the mailbox and to its
// password's change time, so a password change or a disabled mailbox refuses it at once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { db } from '../core/db';
import type { AuthenticatedUser } from './user';

let secretPromise: Promise<Buffer> | undefined;

/** POSTROOM_SECRET, or a random secret made once and kept in the settings table. */
export function serverSecret(): Promise<Buffer> {
  secretPromise ??= (async () => {
    if (process.env.POSTROOM_SECRET) return Buffer.from(process.env.POSTROOM_SECRET);
    const existing = await db().setting.findUnique({ where: { key: 'secret' } });
    if (existing) return Buffer.from(existing.value, 'hex');
    const fresh = randomBytes(32).toString('hex');
    await db().setting.upsert({
      where: { key: 'secret' },
      create: { key: 'secret', value: fresh },
      update: {},
    });
    const stored = await db().setting.findUniqueOrThrow({ where: { key: 'secret' } });
    return Buffer.from(stored.value, 'hex');
  })();
  return secretPromise;
}

interface TokenPayload {
  uid: number;
  pwc: number;
  exp: number;
}

function sign(secret: Buffer, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export async function mintAccessToken(userId: number, ttlSeconds = 15 * 60): Promise<string> {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
  const payload: TokenPayload = {
    uid: user.id,
    pwc: user.passwordChangedAt.getTime(),
    exp: Math.floor(Date.now() / 1000) + ttlSeconds,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(await serverSecret(), body)}`;
}

export async function verifyAccessToken(token: string): Promise<AuthenticatedUser | null> {
  const [body, signature] = token.split('.');
  if (!body || !signature) return null;
  const expected = Buffer.from(sign(await serverSecret(), body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let payload: TokenPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
  } catch {
    return null;
  }
  if (typeof payload.exp !== 'number' || payload.exp < Date.now() / 1000) return null;
  const user = await db().user.findUnique({ where: { id: payload.uid }, include: { domainRef: true } });
  if (!user || !user.enabled || !user.domainRef.enabled || user.passwordChangedAt.getTime() !== payload.pwc)
    return null;
  return {
    id: user.id,
    address: `${user.local}@${user.domain}`,
    local: user.local,
    domain: user.domain,
    displayName: user.displayName,
    role: user.role,
  };
}
