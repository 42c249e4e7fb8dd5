'use server';
// The mailbox page's "turn off filters" (Sieve): checked against the admin's rights and audited
// in server/web/mailbox-sieve.ts.
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';
import { deactivateMailboxSieve } from '@/server/web/mailbox-sieve';

export async function deactivateSieveAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const address = text(form, 'address');
  const state = await runForm(form, async () => {
    await deactivateMailboxSieve(address, actor);
  });
  // The form goes with the active script, so the page says so itself (?sieve=off).
  if (state.ok) {
    revalidatePath(`/admin/mailboxes/${encodeURIComponent(address)}`);
    redirect(`/admin/mailboxes/${encodeURIComponent(address)}?sieve=off`);
  }
  return state;
}
