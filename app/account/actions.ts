'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { setPassword, FieldError } from '@/server/domain';
import { setForwarding } from '@/server/domain/forwarding';
import { authenticate } from '@/server/auth/login';
import { revokeAllWebSessions, revokeWebSession } from '@/server/auth/web-sessions';
import { clearSessionCookie, currentWebSessionId, requireActor, requestClientIp } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';

export async function changeOwnPasswordAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor('/account');
  return runForm(form, async () => {
    // The current password is checked by the shared auth core, so guesses here are throttled too.
    const check = await authenticate({
      username: actor.name,
      password: text(form, 'current'),
      protocol: 'web',
      clientIp: await requestClientIp(),
    });
    if (!check.ok)
      throw new FieldError(
        'current',
        check.reason === 'throttled'
          ? 'too many wrong attempts; try again later'
          : 'is not your current password',
      );
    if (text(form, 'password') !== text(form, 'confirm'))
      throw new FieldError('confirm', 'does not match the new password');
    await setPassword(actor.name, text(form, 'password'), actor);
    return 'Password changed. Sign in again with the new password.';
  });
}

export async function setForwardingAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor('/account');
  return runForm(form, async () => {
    const destinations = text(form, 'destinations')
      .split(/[\s,;]+/)
      .filter(Boolean);
    const result = await setForwarding(actor.name, destinations, form.get('keepCopy') === 'yes', actor);
    revalidatePath('/account');
    return result.destinations.length
      ? `Mail is forwarded to ${result.destinations.join(', ')}${result.keepCopy ? ', and a copy is kept here' : ''}.`
      : 'Forwarding is off.';
  });
}

/** "Sign out" beside one session of the list: that browser is signed out at its next request. */
export async function signOutSessionAction(form: FormData): Promise<void> {
  const actor = await requireActor('/account');
  const sessionId = String(form.get('session') ?? '');
  const current = await currentWebSessionId();
  if (actor.userId !== undefined) await revokeWebSession(sessionId, actor.userId);
  if (sessionId === current) {
    await clearSessionCookie();
    redirect('/signin');
  }
  revalidatePath('/account');
}

/** "Sign out everywhere": every session of this account ends, this one included. */
export async function signOutEverywhereAction(): Promise<void> {
  const actor = await requireActor('/account');
  if (actor.userId !== undefined) await revokeAllWebSessions(actor.userId);
  await clearSessionCookie();
  redirect('/signin');
}
