'use server';
import { runSetup, SetupLockedError } from '@/server/web/setup';
import { runForm, text, type FormState } from '@/server/web/form-state';

export async function setupAction(_previous: FormState, form: FormData): Promise<FormState> {
  const values = { address: text(form, 'address'), displayName: text(form, 'displayName') };
  if (text(form, 'password') !== text(form, 'confirm'))
    return {
      fieldErrors: { confirm: 'does not match the password' },
      error: 'Please correct the marked field.',
      values,
    };
  let locked = false;
  const state = await runForm(form, async () => {
    try {
      const address = await runSetup({
        address: values.address,
        password: text(form, 'password'),
        displayName: values.displayName,
      });
      return `Created ${address} as super admin. You can sign in now.`;
    } catch (error) {
      if (!(error instanceof SetupLockedError)) throw error;
      locked = true;
    }
  });
  return locked
    ? { error: 'Setup has already been done; this page is locked. Sign in instead.', status: 403 }
    : state;
}
