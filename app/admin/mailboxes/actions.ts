'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import {
  addMailbox,
  removeMailbox,
  setMailboxEnabled,
  setPassword,
  updateMailboxDetails,
  FieldError,
} from '@/server/domain';
import { setManagedDomains } from '@/server/domain/domain-admins';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';

const list = (value: string) =>
  value
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

export async function addMailboxAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  let created: string | undefined;
  const state = await runForm(form, async () => {
    const role = text(form, 'role') || 'user';
    const mailbox = await addMailbox(
      {
        address: text(form, 'address'),
        password: text(form, 'password'),
        displayName: text(form, 'displayName'),
        quota: text(form, 'quota') || '0',
        role,
        manages: role === 'domain_admin' ? list(text(form, 'manages')) : [],
      },
      actor,
    );
    created = mailbox.address;
  });
  if (created) {
    revalidatePath('/admin/mailboxes');
    redirect(`/admin/mailboxes/${encodeURIComponent(created)}?created=1`);
  }
  return state;
}

export async function updateMailboxAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const address = text(form, 'address');
  return runForm(form, async () => {
    const role = form.has('role') ? text(form, 'role') : undefined;
    // Role and managed domains are on a super admin's form only. Domains first: a bad name then
    // stops the save before the role changes.
    if (role === 'domain_admin') await setManagedDomains(address, list(text(form, 'manages')), actor);
    await updateMailboxDetails(
      address,
      { displayName: text(form, 'displayName'), quota: text(form, 'quota') || '0', role },
      actor,
    );
    if (role !== undefined && role !== 'domain_admin') await setManagedDomains(address, [], actor);
    revalidatePath(`/admin/mailboxes/${encodeURIComponent(address)}`);
    return 'Details saved.';
  });
}

export async function resetPasswordAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    if (text(form, 'password') !== text(form, 'confirm'))
      throw new FieldError('confirm', 'does not match the new password');
    await setPassword(text(form, 'address'), text(form, 'password'), actor);
    return 'Password changed. Sessions and webmail tokens made with the old password no longer work.';
  });
}

export async function setMailboxEnabledAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const address = text(form, 'address');
  const enabled = text(form, 'enabled') === 'true';
  return runForm(form, async () => {
    await setMailboxEnabled(address, enabled, actor);
    revalidatePath(`/admin/mailboxes/${encodeURIComponent(address)}`);
    return enabled
      ? 'Mailbox enabled.'
      : 'Mailbox disabled: it can no longer sign in (IMAP, POP3, SMTP or the web).';
  });
}

export async function removeMailboxAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const address = text(form, 'address');
  const state = await runForm(form, async () => {
    if (form.get('confirm') !== 'yes')
      throw new FieldError('confirm', 'tick the box to confirm that the mailbox and its mail are deleted');
    await removeMailbox(address, actor);
  });
  if (state.ok) {
    revalidatePath('/admin/mailboxes');
    redirect(`/admin/mailboxes?removed=${encodeURIComponent(address)}`);
  }
  return state;
}
