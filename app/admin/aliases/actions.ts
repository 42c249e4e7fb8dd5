'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { addAlias, displayAddress, getAlias, removeAlias } from '@/server/domain';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';

export async function addAliasAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    const destinations = text(form, 'destinations')
      .split(/[\s,;]+/)
      .filter(Boolean);
    const alias = await addAlias(text(form, 'source'), destinations, actor);
    revalidatePath('/admin/aliases');
    return `${displayAddress(alias.source)} now goes to ${alias.destinations.map(displayAddress).join(', ')}.`;
  });
}

/** Removes and goes back to the list with what was removed in the URL: the notice and its Undo. */
export async function removeAliasAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const source = text(form, 'source');
  const destination = text(form, 'destination') || undefined;
  let removed: string[] = [];
  const state = await runForm(form, async () => {
    const before = await getAlias(source);
    removed = destination ? [destination] : before.destinations;
    await removeAlias(source, destination, actor);
  });
  if (!state.ok) return state;
  revalidatePath('/admin/aliases');
  const query = new URLSearchParams({ removed: source, gone: removed.join(',') });
  if (destination) query.set('one', '1');
  redirect(`/admin/aliases?${query}`);
}

/** Undo of a removal: the same source and destinations again (loops and rights checked as ever). */
export async function restoreAliasAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const state = await runForm(form, async () => {
    await addAlias(text(form, 'source'), text(form, 'destinations').split(',').filter(Boolean), actor);
  });
  if (!state.ok) return state;
  revalidatePath('/admin/aliases');
  redirect(`/admin/aliases?restored=${encodeURIComponent(text(form, 'source'))}`);
}
