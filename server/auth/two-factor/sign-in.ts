// The second step of a console/webmail sign-in: a TOTP code, a recovery code or a passkey's answer,
// throttled like passwords (server/auth/throttle.ts) under the account's own second-factor key.
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { db } from '../../core/db';
import { recordEvent } from '../../core/events';
import { passThrottle } from '../throttle';
import { verifyPasskey, type RelyingParty } from './passkeys';
import { spendRecoveryCode } from './recovery-codes';
import { verifyTotp } from './totp';

export type SecondFactorResult =
  | { ok: true; method: 'totp' | 'recovery' | 'passkey' }
  | { ok: false; reason: 'invalid' | 'throttled'; retryAfterSeconds?: number };

export interface SecondFactorAttempt {
  userId: number;
  code?: string;
  passkey?: AuthenticationResponseJSON;
  rp?: RelyingParty;
  clientIp?: string;
}

export async function checkSecondFactor(attempt: SecondFactorAttempt): Promise<SecondFactorResult> {
  const user = await db().user.findUniqueOrThrow({ where: { id: attempt.userId } });
  const address = `${user.local}@${user.domain}`;
  const event = { protocol: 'web' as const, clientIp: attempt.clientIp, user: address, action: 'auth-2fa' };
  const gate = await passThrottle(`2fa:${address}`, attempt.clientIp);
  if (!gate.admitted) {
    await recordEvent({ ...event, result: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
  }
  let method: 'totp' | 'recovery' | 'passkey' | null = null;
  const code = (attempt.code ?? '').trim();
  if (attempt.passkey && attempt.rp) {
    if (await verifyPasskey(user.id, attempt.passkey, attempt.rp)) method = 'passkey';
  } else if (/^\d{6}$/.test(code.replace(/\s+/g, ''))) {
    if (await verifyTotp(user.id, code)) method = 'totp';
  } else if (code && (await spendRecoveryCode(user.id, code))) {
    method = 'recovery';
  }
  if (!method) {
    await recordEvent({ ...event, result: 'failed' });
    return { ok: false, reason: 'invalid' };
  }
  await gate.succeeded();
  await recordEvent({ ...event, result: 'ok', detail: { method } });
  return { ok: true, method };
}
