'use server';
import { revalidatePath } from 'next/cache';
import { setDomainRequiresTwoFactor } from '@/server/domain/two-factor-policy';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';

export async function setDomainTwoFactorAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const required = text(form, 'required') === 'true';
  return runForm(form, async () => {
    await setDomainRequiresTwoFactor(text(form, 'domain'), required, actor);
    revalidatePath(`/admin/domains/${text(form, 'domain')}`);
    return required
      ? 'Two-factor sign-in is required: mailboxes without it enrol at their next sign-in.'
      : 'Two-factor sign-in is up to each mailbox again.';
  });
}
