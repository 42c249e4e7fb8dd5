'use server';
import { revalidatePath } from 'next/cache';
import { addAlias, removeAlias } from '@/server/domain';
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
    return `${alias.source} now goes to ${alias.destinations.join(', ')}.`;
  });
}

export async function removeAliasAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    const destination = text(form, 'destination') || undefined;
    await removeAlias(text(form, 'source'), destination, actor);
    revalidatePath('/admin/aliases');
    return destination
      ? `Removed ${destination} from ${text(form, 'source')}.`
      : `Removed ${text(form, 'source')}.`;
  });
}
