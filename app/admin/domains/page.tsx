import type { Metadata } from 'next';
import Link from 'next/link';
import { listDomains, isSuper } from '@/server/domain';
import { requireAdmin } from '@/server/web/session';
import { ActionForm } from '@/components/ui/action-form';
import { Badge, EmptyState, PageHeader } from '@/components/ui/page';
import { formatCount } from '@/components/ui/numbers';
import { LocalTime } from '@/components/ui/format';
import { addDomainAction } from './actions';
import { displayDomain } from '@/server/domain/names';

export const metadata: Metadata = { title: 'Domains' };

export default async function DomainsPage({ searchParams }: { searchParams: Promise<{ removed?: string }> }) {
  const actor = await requireAdmin('/admin/domains');
  const { removed } = await searchParams;
  const domains = await listDomains(actor);
  const primaries = domains.filter((domain) => !domain.aliasOf);
  return (
    <>
      <PageHeader
        title="Domains"
        description="The domains this server accepts mail for. An alias domain delivers to the mailboxes of the domain it aliases."
      />
      {removed && (
        <p
          role="status"
          className="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          Removed {displayDomain(removed)}.
        </p>
      )}
      {isSuper(actor) && (
        <section className="card mb-6" aria-labelledby="add-domain">
          <h2 id="add-domain" className="mb-3 font-semibold">
            Add a domain
          </h2>
          <ActionForm
            action={addDomainAction}
            layout="inline"
            submitLabel="Add domain"
            pendingText="Adding…"
            resetOnSuccess
            testId="add-domain-form"
            fields={[
              { name: 'domain', label: 'Domain name', required: true, placeholder: 'example.org' },
              {
                name: 'aliasOf',
                label: 'Alias of (optional)',
                type: 'select',
                options: [
                  { value: '', label: '— a domain of its own —' },
                  ...primaries.map((d) => ({ value: d.domain, label: d.domain })),
                ],
              },
            ]}
          />
        </section>
      )}
      {domains.length === 0 ? (
        <EmptyState title="No domains yet">
          {isSuper(actor)
            ? 'Add the first domain above, then its mailboxes.'
            : 'No domain has been granted to you yet.'}
        </EmptyState>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" aria-label="Domains">
            <thead>
              <tr>
                <th scope="col">Domain</th>
                <th scope="col">Kind</th>
                <th scope="col" className="text-right">
                  Mailboxes
                </th>
                <th scope="col" className="text-right">
                  Aliases
                </th>
                <th scope="col">Status</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {domains.map((domain) => (
                <tr key={domain.id}>
                  <td className="font-medium">
                    <Link href={`/admin/domains/${domain.domain}`}>{displayDomain(domain.domain)}</Link>
                  </td>
                  <td>
                    {domain.aliasOf ? (
                      <>
                        alias of{' '}
                        <Link href={`/admin/domains/${domain.aliasOf}`}>{displayDomain(domain.aliasOf)}</Link>
                      </>
                    ) : (
                      'domain'
                    )}
                  </td>
                  <td className="text-right tabular-nums">
                    {domain.aliasOf ? (
                      '—'
                    ) : (
                      <Link href={`/admin/mailboxes?domain=${domain.domain}`}>
                        {formatCount(domain.mailboxes)}
                      </Link>
                    )}
                  </td>
                  <td className="text-right tabular-nums">{formatCount(domain.aliases)}</td>
                  <td>
                    {domain.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="bad">disabled</Badge>}
                  </td>
                  <td>
                    <LocalTime iso={domain.createdAt.toISOString()} />
                  </td>
                  <td className="whitespace-nowrap text-right">
                    <Link href={`/admin/domains/${domain.domain}/dns`}>DNS</Link> ·{' '}
                    <Link href={`/admin/domains/${domain.domain}`}>Manage</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
