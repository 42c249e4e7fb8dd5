import type { Metadata } from 'next';
import Link from 'next/link';
import { getDomain, isSuper } from '@/server/domain';
import { dkimRecord } from '@/server/queue/dkim';
import { config } from '@/server/core/config';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { checkDomainDns, checkPtr, type RecordStatus } from '@/server/web/dns-records';
import { ActionForm } from '@/components/ui/action-form';
import { Badge, PageHeader } from '@/components/ui/page';
import { createDkimKeyAction } from '../../actions';
import { displayDomain } from '@/server/domain/names';

export const metadata: Metadata = { title: 'DNS records' };

const TONES: Record<RecordStatus, 'ok' | 'bad' | 'warn' | 'muted'> = {
  ok: 'ok',
  missing: 'bad',
  wrong: 'warn',
  unknown: 'muted',
};
const LABELS: Record<RecordStatus, string> = {
  ok: 'ok',
  missing: 'missing',
  wrong: 'wrong',
  unknown: 'could not check',
};

export default async function DnsPage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain: name } = await params;
  const actor = await requireAdmin(`/admin/domains/${name}/dns`);
  const domain = await guard(getDomain(decodeURIComponent(name), actor));
  const hostname = config().hostname;
  // Mail is signed with the key of its From: domain; an alias domain has no key of its own.
  const dkim = domain.aliasOf ? null : await dkimRecord(domain.domain);
  const [allRecords, ptr] = await Promise.all([
    checkDomainDns({ domain: domain.domain, hostname, dkim }),
    checkPtr(hostname),
  ]);
  const records = domain.aliasOf
    ? allRecords.filter((record) => !record.name.includes('._domainkey.'))
    : allRecords;
  const missing = records.filter((record) => record.status !== 'ok').length;
  return (
    <>
      <PageHeader
        title={`DNS for ${displayDomain(domain.domain)}`}
        description={
          <>
            Publish these records at your DNS provider. Each is checked live now;{' '}
            {missing === 0 ? 'all are in place.' : `${missing} need attention.`}{' '}
            <Link href={`/admin/domains/${domain.domain}`}>Back to the domain</Link>
          </>
        }
      />
      <div className="card mb-6 overflow-x-auto p-0">
        <table className="table" aria-label="DNS records">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Value to publish</th>
              <th scope="col">Found now</th>
            </tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <tr key={`${record.name}-${record.type}`} data-record={record.purpose}>
                <td>
                  <Badge tone={TONES[record.status]}>{LABELS[record.status]}</Badge>
                </td>
                <td>
                  <div className="font-mono text-xs break-all">{record.name}</div>
                  <div className="mt-1 text-xs text-slate-500">{record.purpose}</div>
                </td>
                <td className="font-mono text-xs">{record.type}</td>
                <td>
                  <code className="block max-w-md rounded bg-slate-100 p-1.5 font-mono text-xs break-all select-all">
                    {record.value}
                  </code>
                  {record.note && <div className="mt-1 text-xs text-slate-500">{record.note}</div>}
                </td>
                <td className="max-w-xs font-mono text-xs break-all text-slate-600">
                  {record.found.length ? record.found.join('\n') : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="grid gap-6 md:grid-cols-2">
        <section className="card" aria-labelledby="dkim-heading">
          <h2 id="dkim-heading" className="mb-2 font-semibold">
            DKIM key
          </h2>
          {domain.aliasOf ? (
            <p className="text-sm text-slate-600">
              Alias domains have no DKIM key of their own; send as {domain.aliasOf.domain} to have mail
              signed.
            </p>
          ) : !isSuper(actor) ? (
            <p className="text-sm text-slate-600">
              {domain.dkimSelector ? (
                <>
                  Current selector: <code>{domain.dkimSelector}</code>.
                </>
              ) : (
                'No key yet.'
              )}{' '}
              A super admin makes DKIM keys.
            </p>
          ) : (
            <>
              <p className="mb-3 text-sm text-slate-600">
                {domain.dkimSelector ? (
                  <>
                    Current selector: <code>{domain.dkimSelector}</code>. A new key replaces it: publish the
                    new TXT record before old signatures stop verifying.
                  </>
                ) : (
                  'No key yet. Outgoing mail is signed once a key exists and its record is published.'
                )}
              </p>
              <ActionForm
                action={createDkimKeyAction}
                hidden={{ domain: domain.domain }}
                layout="inline"
                submitLabel={domain.dkimSelector ? 'Make a new key' : 'Make a key'}
                pendingText="Making key…"
                fields={[
                  {
                    name: 'selector',
                    label: 'Selector',
                    placeholder: `pr${new Date().toISOString().slice(0, 7).replace('-', '')}`,
                    hint: 'One DNS label; leave empty for a dated selector.',
                  },
                ]}
              />
            </>
          )}
        </section>
        <section className="card" aria-labelledby="ptr-heading">
          <h2 id="ptr-heading" className="mb-2 font-semibold">
            Reverse DNS (PTR)
          </h2>
          <p className="mb-2 text-sm text-slate-600">
            Receivers distrust mail from an address whose PTR record does not name the mail host. Ask the
            provider of your server&apos;s IP address (not your DNS provider) to set the PTR of each address
            of <code>{hostname}</code> to <code>{hostname}</code>, and keep its A record pointing back
            (forward-confirmed reverse DNS).
          </p>
          {ptr.length === 0 ? (
            <p className="text-sm text-red-700">
              {hostname} has no address in DNS yet, so its PTR cannot be checked.
            </p>
          ) : (
            <ul className="space-y-1 text-sm">
              {ptr.map((entry) => (
                <li key={entry.address}>
                  <Badge tone={TONES[entry.status]}>{LABELS[entry.status]}</Badge>{' '}
                  <code>{entry.address}</code> → {entry.names.join(', ') || 'no PTR'}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
