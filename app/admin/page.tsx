import type { Metadata } from 'next';
import Link from 'next/link';
import { isSuper, listDomains } from '@/server/domain';
import { requireAdmin } from '@/server/web/session';
import { totals, trafficSeries } from '@/server/web/stats';
import { listEvents } from '@/server/web/events-query';
import { dashboardWarnings } from '@/server/web/warnings';
import { PageHeader } from '@/components/ui/page';
import { formatBytes, formatCount } from '@/components/ui/numbers';
import { TrafficChart } from '@/components/admin/traffic-chart';
import { EventRowView, EventTableHead } from '@/components/admin/event-table';
import { displayDomain } from '@/server/domain/names';

export const metadata: Metadata = { title: 'Dashboard' };

function Figure({ label, value, href }: { label: string; value: string; href?: string }) {
  return (
    <div className="card">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">
        {href ? (
          <Link href={href} className="text-slate-900">
            {value}
          </Link>
        ) : (
          value
        )}
      </dd>
    </div>
  );
}

export default async function Dashboard() {
  const actor = await requireAdmin('/admin');
  if (!isSuper(actor)) {
    const domains = await listDomains(actor);
    return (
      <>
        <PageHeader title="Dashboard" description="The domains you manage." />
        <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
          {domains.map((domain) => (
            <Figure
              key={domain.id}
              label={displayDomain(domain.domain)}
              value={`${formatCount(domain.mailboxes)} mailboxes`}
              href={`/admin/domains/${domain.domain}`}
            />
          ))}
        </dl>
      </>
    );
  }
  const [figures, traffic, recent, warnings] = await Promise.all([
    totals(),
    trafficSeries(),
    listEvents({}, { limit: 10 }),
    dashboardWarnings(),
  ]);
  return (
    <>
      <PageHeader title="Dashboard" />
      {warnings.length > 0 && (
        <section
          aria-labelledby="warnings-heading"
          className="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-4"
        >
          <h2 id="warnings-heading" className="mb-2 font-semibold text-amber-900">
            Needs attention
          </h2>
          <ul className="list-inside list-disc space-y-1 text-sm text-amber-900" data-testid="warnings">
            {warnings.map((warning) => (
              <li key={warning.text}>
                {warning.text}
                {warning.href && (
                  <>
                    {' '}
                    — <Link href={warning.href}>fix</Link>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <dl className="mb-6 grid grid-cols-2 gap-3 md:grid-cols-5">
        <Figure label="Domains" value={formatCount(figures.domains)} href="/admin/domains" />
        <Figure label="Mailboxes" value={formatCount(figures.mailboxes)} href="/admin/mailboxes" />
        <Figure label="Queue (waiting)" value={formatCount(figures.queueWaiting)} href="/admin/queue" />
        <Figure label="Mail stored (quota use)" value={formatBytes(figures.mailboxBytes)} />
        <Figure label="Disk used by messages" value={formatBytes(figures.blobBytes)} />
      </dl>
      <div className="mb-6 grid gap-6 xl:grid-cols-2">
        <TrafficChart title="Last 24 hours" series={traffic.day} labelEvery={4} granularity="hour" />
        <TrafficChart title="Last 30 days" series={traffic.month} labelEvery={5} granularity="day" />
      </div>
      <section aria-labelledby="recent-heading">
        <div className="mb-2 flex items-baseline justify-between">
          <h2 id="recent-heading" className="font-semibold">
            Recent events
          </h2>
          <Link href="/admin/logs">All logs</Link>
        </div>
        {recent.length === 0 ? (
          <p className="text-sm text-slate-600">Nothing has happened yet.</p>
        ) : (
          <div className="card overflow-x-auto p-0">
            <table className="table" aria-label="Recent events">
              <EventTableHead />
              <tbody>
                {recent.map((event) => (
                  <EventRowView key={event.id} event={event} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
