import type { Metadata } from 'next';
import Link from 'next/link';
import { requireSuper } from '@/server/domain';
import { db } from '@/server/core/db';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { journey } from '@/server/web/events-query';
import { EmptyState, PageHeader } from '@/components/ui/page';
import { LocalTime } from '@/components/ui/format';
import { formatBytes } from '@/components/ui/numbers';
import { resultClass } from '@/components/admin/event-table-tone';

export const metadata: Metadata = { title: 'Message journey' };

export default async function JourneyPage({ params }: { params: Promise<{ queueId: string }> }) {
  const actor = await requireAdmin('/admin/logs');
  await guard(async () => requireSuper(actor));
  const queueId = decodeURIComponent((await params).queueId);
  const [events, entry] = await Promise.all([
    journey(queueId),
    db().queueEntry.findUnique({ where: { queueId }, include: { recipients: true } }),
  ]);
  return (
    <>
      <PageHeader
        title={`Journey of ${queueId}`}
        description={
          <>
            Everything that happened to this message, oldest first.{' '}
            <Link href={`/admin/logs?queue=${encodeURIComponent(queueId)}`}>Show in the log</Link>
          </>
        }
      />
      {entry && (
        <section className="card mb-4 text-sm" aria-label="Queue entry">
          <p>
            <strong>In the outbound queue:</strong> {entry.status}, from {entry.sender || '<>'} (
            {formatBytes(entry.size)}), {entry.attempts} attempt(s), next{' '}
            <LocalTime iso={entry.nextAttemptAt.toISOString()} />.{' '}
            <Link href={`/admin/queue/${encodeURIComponent(queueId)}`}>Open in the queue</Link>
          </p>
          <ul className="mt-2 list-inside list-disc">
            {entry.recipients.map((r) => (
              <li key={r.id}>
                {r.address}: {r.status}
                {r.lastReply ? ` — ${r.lastReply}` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
      {events.length === 0 ? (
        <EmptyState title="No events for this queue id" />
      ) : (
        <ol className="relative ml-3 border-l-2 border-slate-200" aria-label="Journey">
          {events.map((event) => (
            <li key={event.id} className="mb-4 ml-4">
              <span
                className="absolute -left-[7px] mt-1.5 size-3 rounded-full border-2 border-white bg-brand-500"
                aria-hidden="true"
              />
              <div className="text-xs text-slate-500">
                <LocalTime iso={event.time} withSeconds /> · {event.protocol}
                {event.clientIp ? ` · ${event.clientIp}` : ''}
              </div>
              <div className="mt-0.5 text-sm">
                <strong>{event.action}</strong>{' '}
                <span className={resultClass(event.result)}>{event.result}</span>{' '}
                {event.user && <span className="text-slate-600">{event.user}</span>}
              </div>
              {event.detail && (
                <div className="mt-0.5 font-mono text-xs break-all text-slate-600">{event.detail}</div>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
