import type { Metadata } from 'next';
import Link from 'next/link';
import { getDomain, isSuper } from '@/server/domain';
import { db } from '@/server/core/db';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { ActionForm } from '@/components/ui/action-form';
import { Badge, PageHeader } from '@/components/ui/page';
import { formatBytes, formatCount } from '@/components/ui/numbers';
import { removeDomainAction, setDomainEnabledAction } from '../actions';
import { setDomainTwoFactorAction } from '../two-factor-actions';
import { displayDomain } from '@/server/domain/names';

export const metadata: Metadata = { title: 'Domain' };

export default async function DomainPage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain: name } = await params;
  const actor = await requireAdmin(`/admin/domains/${name}`);
  const domain = await guard(getDomain(decodeURIComponent(name), actor));
  const [mailboxes, aliases, storage] = await Promise.all([
    db().user.count({ where: { domain: domain.domain } }),
    db().alias.count({ where: { sourceDomain: domain.domain } }),
    db().user.aggregate({ where: { domain: domain.domain }, _sum: { usedBytes: true } }),
  ]);
  const superAdmin = isSuper(actor);
  return (
    <>
      <PageHeader
        title={displayDomain(domain.domain)}
        description={
          domain.aliasOf ? (
            <>
              Alias domain of{' '}
              <Link href={`/admin/domains/${domain.aliasOf.domain}`}>
                {displayDomain(domain.aliasOf.domain)}
              </Link>
              : mail to any address here goes to the same local part there.
            </>
          ) : (
            'A mail domain with its own mailboxes.'
          )
        }
      >
        <Link className="btn" href={`/admin/domains/${domain.domain}/dns`}>
          DNS records
        </Link>
        {!domain.aliasOf && (
          <Link className="btn" href={`/admin/mailboxes?domain=${domain.domain}`}>
            Mailboxes
          </Link>
        )}
        <Link className="btn" href={`/admin/aliases?domain=${domain.domain}`}>
          Aliases
        </Link>
      </PageHeader>
      <dl className="mb-6 grid grid-cols-2 gap-3 md:grid-cols-4">
        <div className="card">
          <dt className="text-xs text-slate-500">Status</dt>
          <dd className="mt-1">
            {domain.enabled ? <Badge tone="ok">enabled</Badge> : <Badge tone="bad">disabled</Badge>}
          </dd>
        </div>
        <div className="card">
          <dt className="text-xs text-slate-500">Mailboxes</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums">{formatCount(mailboxes)}</dd>
        </div>
        <div className="card">
          <dt className="text-xs text-slate-500">Aliases</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums">{formatCount(aliases)}</dd>
        </div>
        <div className="card">
          <dt className="text-xs text-slate-500">Stored mail</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums">
            {formatBytes(storage._sum.usedBytes ?? 0n)}
          </dd>
        </div>
      </dl>
      {domain.aliasDomains.length > 0 && (
        <section className="card mb-6">
          <h2 className="mb-2 font-semibold">Alias domains</h2>
          <ul className="list-inside list-disc text-sm">
            {domain.aliasDomains.map((alias) => (
              <li key={alias.id}>
                <Link href={`/admin/domains/${alias.domain}`}>{displayDomain(alias.domain)}</Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {superAdmin && (
        <div className="grid gap-6 md:grid-cols-2">
          <section className="card" aria-labelledby="status-heading">
            <h2 id="status-heading" className="mb-2 font-semibold">
              {domain.enabled ? 'Disable' : 'Enable'} the domain
            </h2>
            <p className="mb-3 text-sm text-slate-600">
              {domain.enabled
                ? 'A disabled domain refuses incoming mail and its mailboxes cannot sign in. Nothing is deleted.'
                : 'Accept mail and sign-ins for this domain again.'}
            </p>
            <ActionForm
              action={setDomainEnabledAction}
              hidden={{ domain: domain.domain, enabled: String(!domain.enabled) }}
              fields={[]}
              submitLabel={domain.enabled ? 'Disable domain' : 'Enable domain'}
              variant="plain"
            />
          </section>
          {!domain.aliasOf && (
            <section className="card" aria-labelledby="two-factor-heading" data-testid="domain-two-factor">
              <h2 id="two-factor-heading" className="mb-2 font-semibold">
                Two-factor sign-in{' '}
                {domain.requireTwoFactor ? (
                  <Badge tone="ok">required</Badge>
                ) : (
                  <Badge tone="muted">optional</Badge>
                )}
              </h2>
              <p className="mb-3 text-sm text-slate-600">
                {domain.requireTwoFactor
                  ? 'Every mailbox must use an authenticator app or passkey; mail apps then need app passwords.'
                  : 'Require it and mailboxes without a second factor set one up at their next sign-in.'}
              </p>
              <ActionForm
                action={setDomainTwoFactorAction}
                hidden={{ domain: domain.domain, required: String(!domain.requireTwoFactor) }}
                fields={[]}
                submitLabel={domain.requireTwoFactor ? 'Stop requiring two-factor' : 'Require two-factor'}
                variant="plain"
                testId="domain-two-factor-form"
              />
            </section>
          )}
          <section className="card border-red-200" aria-labelledby="remove-heading">
            <h2 id="remove-heading" className="mb-2 font-semibold text-red-800">
              Remove the domain
            </h2>
            <p className="mb-3 text-sm text-slate-700">
              {mailboxes + aliases > 0 ? (
                <>
                  It still has <strong>{formatCount(mailboxes)} mailbox(es)</strong> and{' '}
                  <strong>{formatCount(aliases)} alias(es)</strong>. Removing it deletes them and all their
                  stored mail ({formatBytes(storage._sum.usedBytes ?? 0n)}) for good; mail to the domain is
                  then refused.
                </>
              ) : (
                'It has no mailboxes or aliases. Mail to it is refused once it is removed.'
              )}
            </p>
            <ActionForm
              action={removeDomainAction}
              hidden={{ domain: domain.domain }}
              submitLabel="Remove domain"
              variant="danger"
              pendingText="Removing…"
              testId="remove-domain-form"
              // With mailboxes or aliases the checkbox asks; an empty domain asks on the first click.
              confirm={mailboxes + aliases > 0 ? undefined : `Really remove ${displayDomain(domain.domain)}?`}
              fields={
                mailboxes + aliases > 0
                  ? [
                      {
                        name: 'confirm',
                        type: 'checkbox',
                        label: `Yes, also delete its ${mailboxes} mailbox(es), ${aliases} alias(es) and their mail`,
                      },
                    ]
                  : []
              }
            />
          </section>
        </div>
      )}
    </>
  );
}
