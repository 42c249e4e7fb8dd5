// The token that carries a sign-in from its password step to its second step. Signed with a key of
// its own (never valid as a webmail access token), bound to the password's change time, and short.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { db } from '../../core/db';
import { derivedKey } from '../keyed-hash';

/** second-factor: a code or passkey is due; enrol: the domain requires enrolling first; done: verified. */
export type PendingStage = 'second-factor' | 'enrol' | 'done';

interface PendingPayload {
  uid: number;
  pwc: number;
  stage: PendingStage;
  exp: number;
}

const TTL_SECONDS = 10 * 60;

async function sign(body: string): Promise<string> {
  return createHmac('sha256', await derivedKey('pending-sign-in'))
    .update(body)
    .digest('base64url');
}

export async function mintPendingSignIn(userId: number, stage: PendingStage): Promise<string> {
  const user = await db().user.findUniqueOrThrow({
    where: { id: userId },
    select: { passwordChangedAt: true },
  });
  const payload: PendingPayload = {
    uid: userId,
    pwc: user.passwordChangedAt.getTime(),
    stage,
    exp: Math.floor(Date.now() / 1000) + TTL_SECONDS,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${await sign(body)}`;
}

export async function readPendingSignIn(
  token: string,
): Promise<{ userId: number; stage: PendingStage } | null> {
  const [body, signature] = String(token).split('.');
  if (!body || !signature) return null;
  const expected = Buffer.from(await sign(body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let payload: PendingPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as PendingPayload;
  } catch {
    return null;
  }
  if (typeof payload.exp !== 'number' || payload.exp < Date.now() / 1000) return null;
  const user = await db().user.findUnique({ where: { id: payload.uid }, include: { domainRef: true } });
  if (!user || !user.enabled || !user.domainRef.enabled || user.passwordChangedAt.getTime() !== payload.pwc)
    return null;
  return { userId: user.id, stage: payload.stage };
}
