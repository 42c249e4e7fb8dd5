import type { Metadata } from 'next';
import { displayDomain } from '@/server/domain/names';
import { isSuper } from '@/server/domain';
import { domainNames } from '@/server/web/lookups';
import { requireAdmin } from '@/server/web/session';
import { ActionForm, type FieldSpec } from '@/components/ui/action-form';
import { EmptyState, PageHeader } from '@/components/ui/page';
import { addMailboxAction } from '../actions';

export const metadata: Metadata = { title: 'Add mailbox' };

export default async function NewMailboxPage({
  searchParams,
}: {
  searchParams: Promise<{ domain?: string }>;
}) {
  const actor = await requireAdmin('/admin/mailboxes/new');
  const { domain } = await searchParams;
  const domains = await domainNames(actor, { mailboxDomains: true });
  if (domains.length === 0)
    return (
      <>
        <PageHeader title="Add mailbox" />
        <EmptyState title="No domain to add a mailbox to">Add a domain first.</EmptyState>
      </>
    );
  const fields: FieldSpec[] = [
    {
      name: 'address',
      label: 'Address',
      type: 'email',
      required: true,
      placeholder: `name@${domain ?? domains[0]!}`,
      hint: `Domains here: ${domains.slice(0, 5).map(displayDomain).join(', ')}${domains.length > 5 ? ` and ${domains.length - 5} more` : ''}`,
    },
    { name: 'displayName', label: 'Display name' },
    { name: 'password', label: 'Password', type: 'new-password', required: true },
    { name: 'quota', label: 'Quota', placeholder: '2G', hint: 'Like 500M or 2G; 0 or empty means no limit.' },
    ...(isSuper(actor)
      ? [
          {
            name: 'role',
            label: 'Role',
            type: 'select',
            options: [
              { value: 'user', label: 'User' },
              { value: 'domain_admin', label: 'Domain admin' },
              { value: 'super', label: 'Super admin' },
            ],
          } satisfies FieldSpec,
          {
            name: 'manages',
            label: 'Manages domains',
            placeholder: domains[0]!,
            hint: 'Comma-separated domain names this admin may manage.',
            showWhen: { field: 'role', values: ['domain_admin'] },
          } satisfies FieldSpec,
        ]
      : []),
  ];
  return (
    <>
      <PageHeader
        title="Add mailbox"
        description="The mailbox gets the standard folders (Inbox, Sent, Drafts, Trash, Junk, Archive) and can sign in at once."
      />
      <div className="card max-w-xl">
        <ActionForm
          action={addMailboxAction}
          fields={fields}
          submitLabel="Add mailbox"
          pendingText="Adding…"
          testId="add-mailbox-form"
        />
      </div>
    </>
  );
}
