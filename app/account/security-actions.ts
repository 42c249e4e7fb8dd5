'use server';
// My account's two-factor, passkey and app password actions: each works on the signed-in
// account only (requireActor), and what is secret (the TOTP key, recovery codes, an app password)
// is handed back once, in the action's answer.
import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { authenticate } from '@/server/auth/login';
import { createAppPassword, revokeAppPassword } from '@/server/auth/app-passwords';
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  disableTwoFactor,
  makeRecoveryCodes,
  passkeyRegistrationOptions,
  registerPasskey,
  removePasskey,
  twoFactorStatus,
} from '@/server/auth/two-factor';
import { db } from '@/server/core/db';
import { recordEvent } from '@/server/core/events';
import { FieldError } from '@/server/domain';
import { requireActor, requestClientIp } from '@/server/web/session';
import { relyingPartyFrom } from '@/server/web/relying-party';
import type { EnrolmentEnd, EnrolmentStart } from '@/components/ui/totp-enrolment';

type Failure = { ok: false; error: string };

async function currentUserId(): Promise<number> {
  const actor = await requireActor('/account');
  if (actor.userId === undefined) throw new Error('no mailbox');
  return actor.userId;
}

/** The event log keeps who changed their sign-in security, from where. */
async function logChange(action: string, detail?: Record<string, unknown>): Promise<void> {
  const actor = await requireActor('/account');
  await recordEvent({
    protocol: 'web',
    action,
    result: 'ok',
    user: actor.name,
    clientIp: await requestClientIp(),
    detail: detail ?? null,
  });
}

async function relyingParty() {
  const bag = await headers();
  const rp = relyingPartyFrom((name) => bag.get(name));
  if (!rp) throw new FieldError('passkey', 'the request names no host');
  return rp;
}

function failure(error: unknown): Failure {
  return {
    ok: false,
    error: error instanceof Error ? error.message.replace(/^[a-z]+: /, '') : String(error),
  };
}

export async function beginTotpAction(): Promise<EnrolmentStart> {
  const userId = await currentUserId();
  try {
    const { secret, qrDataUrl } = await beginTotpEnrolment(userId);
    return { ok: true, secret, qrDataUrl };
  } catch (error) {
    return failure(error);
  }
}

export async function confirmTotpAction(code: string): Promise<EnrolmentEnd> {
  const userId = await currentUserId();
  const recoveryCodes = await confirmTotpEnrolment(userId, String(code));
  if (recoveryCodes) await logChange('two-factor.enable', { method: 'totp' });
  return recoveryCodes
    ? { ok: true, recoveryCodes }
    : { ok: false, error: 'Wrong code. Check the time on your phone and try again.' };
}

export async function renewRecoveryCodesAction(): Promise<{ ok: true; recoveryCodes: string[] } | Failure> {
  const userId = await currentUserId();
  if (!(await twoFactorStatus(userId)).enabled) return { ok: false, error: 'Two-factor sign-in is off.' };
  const recoveryCodes = await db().$transaction((tx) => makeRecoveryCodes(userId, tx));
  return { ok: true, recoveryCodes };
}

/** Turning two-factor off asks for the password (throttled), and not while the domain requires it. */
export async function disableTwoFactorAction(password: string): Promise<{ ok: true } | Failure> {
  const actor = await requireActor('/account');
  const userId = await currentUserId();
  if ((await twoFactorStatus(userId)).required)
    return { ok: false, error: 'Your domain requires two-factor sign-in.' };
  const check = await authenticate({
    username: actor.name,
    password: String(password),
    protocol: 'web',
    clientIp: await requestClientIp(),
  });
  if (!check.ok)
    return {
      ok: false,
      error: check.reason === 'throttled' ? 'Too many wrong attempts; try again later.' : 'Wrong password.',
    };
  await disableTwoFactor(userId);
  await logChange('two-factor.disable');
  revalidatePath('/account');
  return { ok: true };
}

export async function passkeyOptionsAction(): Promise<
  { ok: true; options: PublicKeyCredentialCreationOptionsJSON } | Failure
> {
  const userId = await currentUserId();
  try {
    return { ok: true, options: await passkeyRegistrationOptions(userId, await relyingParty()) };
  } catch (error) {
    return failure(error);
  }
}

export async function registerPasskeyAction(
  name: string,
  response: RegistrationResponseJSON,
): Promise<{ ok: true } | Failure> {
  const userId = await currentUserId();
  try {
    const key = await registerPasskey(userId, String(name), response, await relyingParty());
    await logChange('passkey.add', { name: key.name });
  } catch (error) {
    return failure(error);
  }
  revalidatePath('/account');
  return { ok: true };
}

export async function removePasskeyAction(form: FormData): Promise<void> {
  const userId = await currentUserId();
  if (await removePasskey(userId, Number(form.get('id')))) await logChange('passkey.remove');
  revalidatePath('/account');
}

export type AppPasswordState =
  | { ok: true; name: string; password: string }
  | { ok: false; error: string; fieldErrors?: Record<string, string> }
  | Record<string, never>;

export async function createAppPasswordAction(
  _previous: AppPasswordState,
  form: FormData,
): Promise<AppPasswordState> {
  const userId = await currentUserId();
  try {
    const name = String(form.get('name') ?? '');
    const created = await createAppPassword(userId, name, form.getAll('protocols').map(String));
    await logChange('app-password.create', { name: name.trim() });
    revalidatePath('/account');
    return { ok: true, name: name.trim(), password: created.password };
  } catch (error) {
    if (error instanceof FieldError)
      return {
        ok: false,
        error: 'Please correct the marked field.',
        fieldErrors: { [error.field]: error.message.replace(`${error.field}: `, '') },
      };
    throw error;
  }
}

export async function revokeAppPasswordAction(form: FormData): Promise<void> {
  const userId = await currentUserId();
  if (await revokeAppPassword(userId, Number(form.get('id')))) await logChange('app-password.revoke');
  revalidatePath('/account');
}
