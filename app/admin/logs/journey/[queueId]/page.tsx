import type { Metadata } from 'next';
import Link from 'next/link';
import { ForbiddenError } from '@/server/domain/errors';
import { visibleDomains } from '@/server/domain/rights';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { journey } from '@/server/web/events-query';
import { getQueueEntry } from '@/server/web/queue-query';
import { EventDetail } from '@/components/admin/event-detail';
import { EmptyState, PageHeader } from '@/components/ui/page';
import { LocalTime } from '@/components/ui/format';
import { formatBytes } from '@/components/ui/numbers';
import { resultClass } from '@/components/admin/event-table-tone';

export const metadata: Metadata = { title: 'Message journey' };

export default async function JourneyPage({ params }: { params: Promise<{ queueId: string }> }) {
  const actor = await requireAdmin('/admin/logs');
  const queueId = decodeURIComponent((await params).queueId);
  const domains = visibleDomains(actor);
  const events = await guard(async () => {
    const visible = await journey(queueId, domains);
    if (!visible)
      throw new ForbiddenError(`the message ${queueId} does not concern a domain you manage`, {
        actor: actor.name,
        role: actor.role,
      });
    return visible;
  });
  // A domain admin may see a message sent to their domain from elsewhere, but not its queue entry.
  const entry = await getQueueEntry(queueId, actor).catch(() => null);
  // Where two events share a second, the milliseconds show which came first.
  const seconds = events.map((event) => event.time.slice(0, 19));
  const sharesSecond = (index: number) =>
    seconds[index - 1] === seconds[index] || seconds[index + 1] === seconds[index];
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
          {events.map((event, index) => (
            <li key={event.id} className="mb-4 ml-4" data-event-action={event.action}>
              <span
                className="absolute -left-[7px] mt-1.5 size-3 rounded-full border-2 border-white bg-brand-500"
                aria-hidden="true"
              />
              <div className="text-xs text-slate-500">
                <LocalTime iso={event.time} withSeconds withMilliseconds={sharesSecond(index)} /> ·{' '}
                {event.protocol}
                {event.clientIp ? ` · ${event.clientIp}` : ''}
              </div>
              <div className="mt-0.5 text-sm">
                <strong>{event.action}</strong>{' '}
                <span className={resultClass(event.result)}>{event.result}</span>{' '}
                {event.user && <span className="text-slate-600">{event.user}</span>}
              </div>
              {event.detail && (
                <div className="mt-0.5 text-xs text-slate-600">
                  <EventDetail detail={event.detail} />
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
