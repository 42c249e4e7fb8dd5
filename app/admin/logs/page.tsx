import type { Metadata } from 'next';
import Link from 'next/link';
import { isSuper, visibleDomains } from '@/server/domain/rights';
import { requireAdmin } from '@/server/web/session';
import { filterFromParams, latestEventId, listEvents, PROTOCOLS } from '@/server/web/events-query';
import { EmptyState, PageHeader } from '@/components/ui/page';
import { EventRowView, EventTableHead } from '@/components/admin/event-table';
import { LiveEvents } from '@/components/admin/live-events';
import { LocalDateTimeField } from '@/components/ui/local-datetime';

export const metadata: Metadata = { title: 'Logs' };

type Params = {
  range?: string;
  from?: string;
  to?: string;
  protocol?: string;
  address?: string;
  ip?: string;
  queue?: string;
  result?: string;
  before?: string;
  live?: string;
};
const PAGE = 100;
// The results the listeners, the queue and the auth core write (policy verdicts, DATA outcomes, deliveries).
const RESULTS = [
  'ok',
  'failed',
  'throttled',
  'disabled',
  'accept',
  'reject',
  'discard',
  'accepted',
  'refused',
  'too_big',
  'delivered',
  'queued',
  'sent',
  'deferred',
  'bounced',
];

export default async function LogsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const actor = await requireAdmin('/admin/logs');
  const params = await searchParams;
  // A domain admin sees the events about their own domains' addresses, nothing else.
  const filter = { ...filterFromParams(params), domains: visibleDomains(actor) };
  const everything = isSuper(actor);
  const [events, newest] = await Promise.all([
    listEvents(filter, { beforeId: Number(params.before) || undefined, limit: PAGE }),
    latestEventId(),
  ]);
  const filters = new URLSearchParams();
  for (const key of ['range', 'from', 'to', 'protocol', 'address', 'ip', 'queue', 'result'] as const)
    if (params[key]) filters.set(key, params[key]!);
  const live = params.live === '1';
  const select = (name: keyof Params, label: string, options: { value: string; label: string }[]) => (
    <div>
      <label htmlFor={`log-${name}`} className="label">
        {label}
      </label>
      <select id={`log-${name}`} name={name} defaultValue={params[name] ?? ''} className="input">
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
  const text = (name: keyof Params, label: string, placeholder: string) => (
    <div>
      <label htmlFor={`log-${name}`} className="label">
        {label}
      </label>
      <input
        id={`log-${name}`}
        name={name}
        defaultValue={params[name] ?? ''}
        placeholder={placeholder}
        className="input"
      />
    </div>
  );
  return (
    <>
      <PageHeader
        title="Logs"
        description={
          everything
            ? "Every SMTP, IMAP, POP3, queue and sign-in event, newest first. Click a queue id for the message's whole journey."
            : "The events about your domains' addresses, newest first. Click a queue id for the message's journey."
        }
      >
        {!everything ? null : live ? (
          <Link className="btn" href={`/admin/logs?${filters}`}>
            Stop live mode
          </Link>
        ) : (
          <Link className="btn btn-primary" href={`/admin/logs?${filters}${filters.size ? '&' : ''}live=1`}>
            Live mode
          </Link>
        )}
      </PageHeader>
      <form
        method="get"
        action="/admin/logs"
        className="card mb-4 grid grid-cols-2 gap-3 md:grid-cols-4 lg:grid-cols-5"
        aria-label="Filters"
      >
        {select('range', 'Time range', [
          { value: '', label: 'All time' },
          { value: '1h', label: 'Last hour' },
          { value: '24h', label: 'Last 24 hours' },
          { value: '7d', label: 'Last 7 days' },
          { value: '30d', label: 'Last 30 days' },
        ])}
        <LocalDateTimeField name="from" label="From" defaultIso={params.from} />
        <LocalDateTimeField name="to" label="Until" defaultIso={params.to} />
        {select('protocol', 'Protocol', [
          { value: '', label: 'Any' },
          ...PROTOCOLS.map((p) => ({ value: p, label: p.toUpperCase() })),
        ])}
        {text('address', 'Address', 'part of an address')}
        {text('ip', 'Client IP', '203.0.113.')}
        {text('queue', 'Queue id', 'exact id')}
        {select('result', 'Result', [
          { value: '', label: 'Any' },
          ...RESULTS.map((r) => ({ value: r, label: r })),
        ])}
        {live && <input type="hidden" name="live" value="1" />}
        <div className="flex items-end gap-2">
          <button type="submit" className="btn btn-primary">
            Filter
          </button>
          <Link className="btn" href="/admin/logs">
            Clear
          </Link>
        </div>
      </form>
      {live && everything && <LiveEvents query={filters.toString()} afterId={newest} />}
      {events.length === 0 ? (
        <EmptyState title={live ? 'No earlier events match' : 'No events match'}>
          {filters.size ? 'Widen the filters or clear them.' : 'Nothing has happened yet.'}
        </EmptyState>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" aria-label="Events">
            <EventTableHead />
            <tbody>
              {events.map((event) => (
                <EventRowView key={event.id} event={event} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {events.length === PAGE && (
        <nav aria-label="Older events" className="mt-3 text-right">
          <Link
            className="btn"
            href={`/admin/logs?${filters}${filters.size ? '&' : ''}before=${events[events.length - 1]!.id}`}
          >
            Older events →
          </Link>
        </nav>
      )}
    </>
  );
}
