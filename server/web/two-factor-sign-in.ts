// The console/webmail sign-in's second step, for next-auth's credentials provider
// (auth-options.ts). After a right password, an account with a second factor (or whose domain
// requires one) is not signed in: the provider answers with an error the sign-in form reads as
// "second step due" and a pending token (two-factor/pending.ts). The form then sends the token
// with a TOTP code, a recovery code or a passkey's answer; an enrolment forced by the domain goes
// through /api/two-factor and comes back with a token already verified.
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { checkSecondFactor } from '../auth/two-factor/sign-in';
import { mintPendingSignIn, readPendingSignIn } from '../auth/two-factor/pending';
import { twoFactorStatus } from '../auth/two-factor/status';
import { relyingPartyFrom } from './relying-party';

/** Prefix of the error text that tells the sign-in form a second step is due. */
export const SECOND_STEP_PREFIX = 'second-step';

export interface SecondStepRequest {
  pending: string;
  code?: string;
  passkey?: string;
  clientIp?: string;
  header(name: string): string | null | undefined;
}

/**
 * After a right password: null when the sign-in may complete now, or the error text for the form:
 * `second-step:<totp|passkey list or "enrol">:<pending token>`.
 */
export async function secondStepDue(userId: number): Promise<string | null> {
  const status = await twoFactorStatus(userId);
  if (status.enabled) {
    const methods = [status.totp ? 'totp' : '', status.passkeys > 0 ? 'passkey' : ''].filter(Boolean);
    return `${SECOND_STEP_PREFIX}:${methods.join(',')}:${await mintPendingSignIn(userId, 'second-factor')}`;
  }
  if (status.required) return `${SECOND_STEP_PREFIX}:enrol:${await mintPendingSignIn(userId, 'enrol')}`;
  return null;
}

/** The user id the second step signs in, or an Error whose message the form shows. */
export async function completeSecondStep(request: SecondStepRequest): Promise<number> {
  const pending = await readPendingSignIn(request.pending);
  if (!pending) throw new Error('The sign-in took too long. Start again.');
  if (pending.stage === 'done') return pending.userId;
  if (pending.stage !== 'second-factor') throw new Error('Set up two-factor sign-in first.');
  let passkey: AuthenticationResponseJSON | undefined;
  if (request.passkey) {
    try {
      passkey = JSON.parse(request.passkey) as AuthenticationResponseJSON;
    } catch {
      throw new Error('The passkey’s answer was not understood.');
    }
  }
  const result = await checkSecondFactor({
    userId: pending.userId,
    code: request.code,
    passkey,
    rp: relyingPartyFrom(request.header) ?? undefined,
    clientIp: request.clientIp,
  });
  if (result.ok) return pending.userId;
  if (result.reason === 'throttled')
    throw new Error(
      `Too many wrong codes. Try again in ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} minute(s).`,
    );
  throw new Error(passkey ? 'The passkey was not accepted.' : 'Wrong code.');
}
