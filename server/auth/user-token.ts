// A signed token bound to one mailbox: a base64url JSON body and its HMAC. It carries the
// password's change time and an expiry, so a password change, a disabled mailbox or domain, or
// time refuses it at once. Each use signs with a key of its own: one can never pass for another.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { db } from '../core/db';

interface UserBound {
  uid: number;
  pwc: number;
  exp: number;
}

const findUser = (id: number) => db().user.findUnique({ where: { id }, include: { domainRef: true } });
type TokenUser = NonNullable<Awaited<ReturnType<typeof findUser>>>;

function sign(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

export async function mintUserToken<Extra extends object>(
  key: Buffer,
  userId: number,
  ttlSeconds: number,
  extra: Extra,
): Promise<string> {
  const user = await db().user.findUniqueOrThrow({
    where: { id: userId },
    select: { passwordChangedAt: true },
  });
  const payload: UserBound & Extra = {
    ...extra,
    uid: userId,
    pwc: user.passwordChangedAt.getTime(),
    exp: Math.floor(Date.now() / 1000) + ttlSeconds,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(key, body)}`;
}

/** The token's mailbox (enabled, in an enabled domain) and payload, or null for any flaw. */
export async function readUserToken<Extra extends object>(
  key: Buffer,
  token: string,
): Promise<{ user: TokenUser; payload: UserBound & Extra } | null> {
  const [body, signature] = String(token).split('.');
  if (!body || !signature) return null;
  const expected = Buffer.from(sign(key, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let payload: UserBound & Extra;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as UserBound & Extra;
  } catch {
    return null;
  }
  if (typeof payload.exp !== 'number' || payload.exp < Date.now() / 1000) return null;
  const user = await findUser(payload.uid);
  if (!user || !user.enabled || !user.domainRef.enabled || user.passwordChangedAt.getTime() !== payload.pwc)
    return null;
  return { user, payload };
}
