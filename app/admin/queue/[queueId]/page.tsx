import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { isSuper } from '@/server/domain/rights';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { getQueueEntry, queueEntryHeaders } from '@/server/web/queue-query';
import { PageHeader } from '@/components/ui/page';
import { LocalTime } from '@/components/ui/format';
import { formatBytes } from '@/components/ui/numbers';
import { resultClass } from '@/components/admin/event-table-tone';
import { EntryActions } from '@/components/admin/queue-actions';

export const metadata: Metadata = { title: 'Queue entry' };

export default async function QueueEntryPage({ params }: { params: Promise<{ queueId: string }> }) {
  const actor = await requireAdmin('/admin/queue');
  const queueId = decodeURIComponent((await params).queueId);
  const entry = await guard(getQueueEntry(queueId, actor));
  if (!entry) notFound();
  const headers = await queueEntryHeaders(entry.blobSha256).catch(() => null);
  return (
    <>
      <PageHeader
        title={`Queue entry ${entry.queueId}`}
        description={
          <>
            <Link href="/admin/queue">Back to the queue</Link> ·{' '}
            <Link href={`/admin/logs/journey/${encodeURIComponent(entry.queueId)}`}>Journey</Link>
          </>
        }
      ></PageHeader>
      <dl className="card mb-4 grid grid-cols-1 gap-2 text-sm md:grid-cols-3">
        <div>
          <dt className="text-slate-500">Status</dt>
          <dd>
            <span className={resultClass(entry.status)}>{entry.status}</span>
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Sender</dt>
          <dd className="break-all">{entry.sender || '<> (bounce)'}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Size</dt>
          <dd>{formatBytes(entry.size)}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Attempts</dt>
          <dd>{entry.attempts}</dd>
        </div>
        <div>
          <dt className="text-slate-500">Next attempt</dt>
          <dd>
            <LocalTime iso={entry.nextAttemptAt.toISOString()} />
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Queued</dt>
          <dd>
            <LocalTime iso={entry.createdAt.toISOString()} />
          </dd>
        </div>
      </dl>
      <div className="mb-4">{isSuper(actor) && <EntryActions queueId={entry.queueId} />}</div>
      <section className="card mb-4" aria-labelledby="recipients-heading">
        <h2 id="recipients-heading" className="mb-2 font-semibold">
          Recipients
        </h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Status</th>
              <th scope="col">Last reply</th>
            </tr>
          </thead>
          <tbody>
            {entry.recipients.map((r) => (
              <tr key={r.id}>
                <td>{r.address}</td>
                <td>
                  <span className={resultClass(r.status)}>{r.status}</span>
                </td>
                <td className="text-xs text-slate-600">{r.lastReply ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="headers-heading">
        <h2 id="headers-heading" className="mb-2 font-semibold">
          Headers
        </h2>
        {headers === null ? (
          <p className="text-sm text-red-700">The message content could not be read.</p>
        ) : (
          <pre
            className="max-h-[32rem] overflow-auto rounded bg-slate-100 p-3 font-mono text-xs whitespace-pre-wrap break-all"
            data-testid="queue-headers"
          >
            {headers}
          </pre>
        )}
      </section>
    </>
  );
}
