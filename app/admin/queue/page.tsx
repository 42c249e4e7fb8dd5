import type { Metadata } from 'next';
import Link from 'next/link';
import { isSuper, visibleDomains } from '@/server/domain/rights';
import { requireAdmin } from '@/server/web/session';
import { listQueue, QUEUE_STATUSES } from '@/server/web/queue-query';
import { EmptyState, PageHeader } from '@/components/ui/page';
import { Pagination } from '@/components/ui/pagination';
import { AutoRefresh } from '@/components/ui/auto-refresh';
import { LocalTime } from '@/components/ui/format';
import { formatBytes, formatCount } from '@/components/ui/numbers';
import { resultClass } from '@/components/admin/event-table-tone';
import { RetryAllButton } from '@/components/admin/queue-actions';
import { displayDomain } from '@/server/domain/names';

export const metadata: Metadata = { title: 'Queue' };

export default async function QueuePage({
  searchParams,
}: {
  searchParams: Promise<{ status?: string; page?: string; done?: string }>;
}) {
  const actor = await requireAdmin('/admin/queue');
  const params = await searchParams;
  const status = QUEUE_STATUSES.includes(params.status ?? '') ? params.status : undefined;
  // A domain admin sees the mail sent from their own domains, and only watches: changes are a super admin's.
  const queue = await listQueue({ status, page: Number(params.page) || 1, domains: visibleDomains(actor) });
  const mayChange = isSuper(actor);
  return (
    <>
      <PageHeader
        title="Queue"
        description={
          mayChange
            ? 'Outbound mail waiting for delivery or retrying. Delivered and bounced messages leave the queue; their story stays in the logs.'
            : `Outbound mail from ${(actor.domains ?? []).map(displayDomain).join(', ') || 'your domains'} waiting for delivery or retrying.`
        }
      >
        <AutoRefresh />
        {mayChange && queue.total > 0 && <RetryAllButton />}
      </PageHeader>
      {params.done && (
        <p
          role="status"
          className="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          {params.done}.
        </p>
      )}
      <nav aria-label="Status" className="mb-4 flex flex-wrap gap-2 text-sm">
        <Link
          className={`btn btn-small ${!status ? 'btn-primary' : ''}`}
          href="/admin/queue"
          aria-current={!status ? 'page' : undefined}
        >
          All
        </Link>
        {QUEUE_STATUSES.map((name) => (
          <Link
            key={name}
            className={`btn btn-small ${status === name ? 'btn-primary' : ''}`}
            href={`/admin/queue?status=${name}`}
            aria-current={status === name ? 'page' : undefined}
          >
            {name} ({formatCount(queue.byStatus[name] ?? 0)})
          </Link>
        ))}
      </nav>
      {queue.rows.length === 0 ? (
        <EmptyState title="The queue is empty">
          {status ? `No ${status} entries.` : 'Nothing is waiting to be delivered.'}
        </EmptyState>
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" aria-label="Queue">
            <thead>
              <tr>
                <th scope="col">Queue id</th>
                <th scope="col">Sender</th>
                <th scope="col">Recipients</th>
                <th scope="col" className="text-right">
                  Size
                </th>
                <th scope="col" className="text-right">
                  Attempts
                </th>
                <th scope="col">Next attempt</th>
                <th scope="col">Last reply</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {queue.rows.map((entry) => (
                <tr key={entry.id} data-queue-id={entry.queueId}>
                  <td className="font-mono text-xs">
                    <Link href={`/admin/queue/${encodeURIComponent(entry.queueId)}`}>{entry.queueId}</Link>
                  </td>
                  <td className="break-all">{entry.sender || '<> (bounce)'}</td>
                  <td className="break-all">{entry.recipients.map((r) => r.address).join(', ')}</td>
                  <td className="text-right tabular-nums">{formatBytes(entry.size)}</td>
                  <td className="text-right tabular-nums">{entry.attempts}</td>
                  <td className="whitespace-nowrap">
                    <LocalTime iso={entry.nextAttemptAt.toISOString()} relative />
                  </td>
                  <td className="max-w-xs text-xs break-all text-slate-600">{entry.lastReply ?? '—'}</td>
                  <td>
                    <span className={resultClass(entry.status)}>{entry.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination
        page={queue.page}
        pageSize={queue.pageSize}
        total={queue.total}
        href={(page) => `/admin/queue?${status ? `status=${status}&` : ''}page=${page}`}
      />
    </>
  );
}
