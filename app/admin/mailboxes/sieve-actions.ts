'use server';
// The mailbox page's "turn off filters" (Sieve): checked against the admin's rights and audited
// in server/web/mailbox-sieve.ts.
import { revalidatePath } from 'next/cache';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';
import { deactivateMailboxSieve } from '@/server/web/mailbox-sieve';

export async function deactivateSieveAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const address = text(form, 'address');
  return runForm(form, async () => {
    await deactivateMailboxSieve(address, actor);
    revalidatePath(`/admin/mailboxes/${encodeURIComponent(address)}`);
    return 'Filters turned off: mail is delivered to the Inbox and no vacation reply is sent. The user’s scripts are kept.';
  });
}
