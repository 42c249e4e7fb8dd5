'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { addDomain, displayDomain, removeDomain, setDomainEnabled } from '@/server/domain';
import { requireAdmin } from '@/server/web/session';
import { runForm, text, type FormState } from '@/server/web/form-state';
import { createDkimKey } from '@/server/queue/dkim';

export async function addDomainAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    const created = await addDomain(
      text(form, 'domain'),
      { aliasOf: text(form, 'aliasOf') || undefined },
      actor,
    );
    revalidatePath('/admin/domains');
    return created.aliasOf
      ? `Added ${displayDomain(created.domain)} as an alias of ${displayDomain(created.aliasOf)}.`
      : `Added ${displayDomain(created.domain)}. Publish its DNS records next.`;
  });
}

export async function removeDomainAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const domain = text(form, 'domain');
  const state = await runForm(form, async () => {
    await removeDomain(domain, { force: form.get('confirm') === 'yes' }, actor);
  });
  if (state.ok) {
    revalidatePath('/admin/domains');
    redirect(`/admin/domains?removed=${encodeURIComponent(domain)}`);
  }
  return state;
}

export async function setDomainEnabledAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  const enabled = text(form, 'enabled') === 'true';
  return runForm(form, async () => {
    await setDomainEnabled(text(form, 'domain'), enabled, actor);
    revalidatePath('/admin/domains');
    return enabled
      ? 'Domain enabled: mail is accepted again.'
      : 'Domain disabled: mail for it is refused and its mailboxes cannot sign in.';
  });
}

export async function createDkimKeyAction(_previous: FormState, form: FormData): Promise<FormState> {
  const actor = await requireAdmin();
  return runForm(form, async () => {
    const result = await createDkimKey(
      text(form, 'domain'),
      text(form, 'selector').trim().toLowerCase() || undefined,
      actor,
    );
    revalidatePath(`/admin/domains/${result.domain}/dns`);
    return `New DKIM key made with selector ${result.selector}. Publish the TXT record below.`;
  });
}
