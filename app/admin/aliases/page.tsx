import type { Metadata } from 'next';
import Link from 'next/link';
import { listAliases } from '@/server/domain';
import { domainNames } from '@/server/web/lookups';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { ActionForm } from '@/components/ui/action-form';
import { Badge, EmptyState, PageHeader } from '@/components/ui/page';
import { ResultNotice } from '@/components/ui/result-notice';
import { addAliasAction, removeAliasAction, restoreAliasAction } from './actions';
import { displayDomain, displayAddress } from '@/server/domain/names';

export const metadata: Metadata = { title: 'Aliases' };

type Params = { domain?: string; removed?: string; gone?: string; one?: string; restored?: string };

export default async function AliasesPage({ searchParams }: { searchParams: Promise<Params> }) {
  const actor = await requireAdmin('/admin/aliases');
  const { domain, removed, gone, one, restored } = await searchParams;
  const goneList = (gone ?? '').split(',').filter(Boolean);
  const [aliases, domains] = await Promise.all([
    guard(listAliases({ domain: domain || undefined }, actor)),
    domainNames(actor),
  ]);
  return (
    <>
      <PageHeader
        title="Aliases"
        description="Forward an address to one or more mailboxes or outside addresses. @domain is the catch-all for addresses that have no mailbox. Loops are refused when you save."
      />
      {removed && (
        <ResultNotice
          undo={
            goneList.length > 0 && (
              <ActionForm
                action={restoreAliasAction}
                hidden={{ source: removed, destinations: goneList.join(',') }}
                fields={[]}
                submitLabel="Undo"
                submitAriaLabel={`Undo: put ${removed} back`}
                small
                variant="plain"
                layout="inline"
                testId="undo-alias-form"
              />
            )
          }
        >
          {one
            ? `Removed ${goneList.map(displayAddress).join(', ')} from ${displayAddress(removed)}.`
            : `Removed the alias ${displayAddress(removed)}${goneList.length ? ` (it went to ${goneList.map(displayAddress).join(', ')})` : ''}.`}
        </ResultNotice>
      )}
      {restored && <ResultNotice>Put {displayAddress(restored)} back.</ResultNotice>}
      <section className="card mb-6" aria-labelledby="add-alias">
        <h2 id="add-alias" className="mb-3 font-semibold">
          Add an alias
        </h2>
        <ActionForm
          action={addAliasAction}
          resetOnSuccess
          submitLabel="Add alias"
          testId="add-alias-form"
          fields={[
            {
              name: 'source',
              label: 'Source address',
              required: true,
              placeholder: `sales@${domain ?? domains[0] ?? 'example.org'} or @${domain ?? domains[0] ?? 'example.org'}`,
            },
            {
              name: 'destinations',
              label: 'Destinations',
              type: 'textarea',
              required: true,
              placeholder: 'one address per line',
              hint: 'Local mailboxes or outside addresses; one per line or separated by commas.',
            },
          ]}
        />
      </section>
      <form method="get" action="/admin/aliases" className="mb-4 flex items-end gap-3">
        <div>
          <label htmlFor="alias-domain" className="label">
            Domain
          </label>
          <select id="alias-domain" name="domain" defaultValue={domain ?? ''} className="input">
            <option value="">All domains</option>
            {domains.map((name) => (
              <option key={name} value={name}>
                {displayDomain(name)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn">
          Show
        </button>
      </form>
      {aliases.length === 0 ? (
        <EmptyState title="No aliases">
          {domain ? <Link href="/admin/aliases">Show all domains</Link> : 'Add one above.'}
        </EmptyState>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" aria-label="Aliases">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Destinations</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {aliases.map((alias) => (
                <tr key={alias.source}>
                  <td className="font-medium">
                    {displayAddress(alias.source)} {alias.catchAll && <Badge tone="info">catch-all</Badge>}
                  </td>
                  <td>
                    <ul className="space-y-1">
                      {alias.destinations.map((destination) => (
                        <li key={destination} className="flex flex-wrap items-center gap-2">
                          <span>{displayAddress(destination)}</span>
                          {alias.destinations.length > 1 && (
                            <ActionForm
                              action={removeAliasAction}
                              hidden={{ source: alias.source, destination }}
                              fields={[]}
                              submitLabel="Remove"
                              submitAriaLabel={`Remove ${destination} from ${alias.source}`}
                              confirm={`Really remove ${displayAddress(destination)} from ${displayAddress(alias.source)}?`}
                              small
                              variant="plain"
                              layout="inline"
                            />
                          )}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="text-right">
                    <ActionForm
                      action={removeAliasAction}
                      hidden={{ source: alias.source }}
                      fields={[]}
                      submitLabel="Remove alias"
                      submitAriaLabel={`Remove the alias ${alias.source}`}
                      confirm={`Really remove ${displayAddress(alias.source)}?`}
                      variant="plain"
                      layout="inline"
                    />
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
