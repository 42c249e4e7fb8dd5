import type { Metadata } from 'next';
import Link from 'next/link';
import { listMailboxes, type MailboxSort } from '@/server/domain';
import { domainNames } from '@/server/web/lookups';
import { requireAdmin } from '@/server/web/session';
import { Badge, EmptyState, PageHeader } from '@/components/ui/page';
import { Pagination } from '@/components/ui/pagination';
import { QuotaBar } from '@/components/ui/quota-bar';
import { LocalTime } from '@/components/ui/format';
import { displayDomain, displayAddress } from '@/server/domain/names';

export const metadata: Metadata = { title: 'Mailboxes' };

const PAGE_SIZE = 50;
type Params = { q?: string; domain?: string; sort?: string; dir?: string; page?: string; removed?: string };

export default async function MailboxesPage({ searchParams }: { searchParams: Promise<Params> }) {
  const actor = await requireAdmin('/admin/mailboxes');
  const params = await searchParams;
  const sort: MailboxSort = params.sort === 'created' || params.sort === 'used' ? params.sort : 'address';
  const descending = params.dir === 'desc';
  const page = Math.max(1, Number.parseInt(params.page ?? '1', 10) || 1);
  const [{ rows, total }, domains] = await Promise.all([
    listMailboxes(
      { search: params.q, domain: params.domain || undefined, sort, descending, page, pageSize: PAGE_SIZE },
      actor,
    ),
    domainNames(actor, { mailboxDomains: true }),
  ]);
  const query = (changes: Partial<Params>) => {
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries({
      q: params.q,
      domain: params.domain,
      sort: params.sort,
      dir: params.dir,
      page: params.page,
      ...changes,
    }))
      if (value) next.set(key, value);
    return `/admin/mailboxes?${next}`;
  };
  const sortLink = (key: MailboxSort, label: string) => {
    const active = sort === key;
    return (
      <th scope="col" aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
        <Link href={query({ sort: key, dir: active && !descending ? 'desc' : undefined, page: undefined })}>
          {label}
          {active ? (descending ? ' ↓' : ' ↑') : ''}
        </Link>
      </th>
    );
  };
  return (
    <>
      <PageHeader title="Mailboxes" description="Every address that can sign in and store mail.">
        <Link className="btn" href="/admin/mailboxes/bulk">
          Add from CSV
        </Link>
        <Link className="btn" href="/admin/mailboxes/import">
          Move mail in
        </Link>
        <Link
          className="btn btn-primary"
          href={`/admin/mailboxes/new${params.domain ? `?domain=${params.domain}` : ''}`}
        >
          Add mailbox
        </Link>
      </PageHeader>
      {params.removed && (
        <p
          role="status"
          className="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          Removed {params.removed} and its stored mail.
        </p>
      )}
      {/* biome-ignore lint/a11y/useSemanticElements: role="search" on the form is the search landmark every browser and screen reader supports; the newer <search> element is not yet exposed everywhere */}
      <form
        method="get"
        action="/admin/mailboxes"
        className="mb-4 flex flex-wrap items-end gap-3"
        role="search"
      >
        <div className="min-w-48 flex-1">
          <label htmlFor="q" className="label">
            Search
          </label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={params.q}
            placeholder="address, name or domain"
            className="input"
          />
        </div>
        <div>
          <label htmlFor="domain" className="label">
            Domain
          </label>
          <select id="domain" name="domain" defaultValue={params.domain ?? ''} className="input">
            <option value="">All domains</option>
            {domains.map((name) => (
              <option key={name} value={name}>
                {displayDomain(name)}
              </option>
            ))}
          </select>
        </div>
        {params.sort && <input type="hidden" name="sort" value={params.sort} />}
        {params.dir && <input type="hidden" name="dir" value={params.dir} />}
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      {rows.length === 0 ? (
        <EmptyState title={params.q || params.domain ? 'No mailbox matches' : 'No mailboxes yet'}>
          {params.q || params.domain ? (
            <Link href="/admin/mailboxes">Clear the search</Link>
          ) : (
            'Add the first one with the button above.'
          )}
        </EmptyState>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" aria-label="Mailboxes">
            <thead>
              <tr>
                {sortLink('address', 'Address')}
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                {sortLink('used', 'Storage')}
                {sortLink('created', 'Created')}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td className="font-medium">
                    <Link href={`/admin/mailboxes/${encodeURIComponent(row.address)}`}>
                      {displayAddress(row.address)}
                    </Link>
                  </td>
                  <td>{row.displayName || <span className="text-slate-400">—</span>}</td>
                  <td>
                    {row.role === 'user' ? (
                      'user'
                    ) : (
                      <Badge tone="info">{row.role === 'super' ? 'super admin' : 'domain admin'}</Badge>
                    )}
                  </td>
                  <td>
                    {row.enabled ? <Badge tone="ok">active</Badge> : <Badge tone="bad">disabled</Badge>}
                  </td>
                  <td>
                    <QuotaBar used={row.usedBytes} quota={row.quotaBytes} />
                  </td>
                  <td className="whitespace-nowrap text-slate-600">
                    <LocalTime iso={row.createdAt.toISOString()} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination
        page={page}
        pageSize={PAGE_SIZE}
        total={total}
        href={(next) => query({ page: String(next) })}
      />
    </>
  );
}
