'use client';
// Live mode for the Logs page: new events arrive over Server-Sent Events and are put on top.
import { useEffect, useState } from 'react';
import type { EventRow } from '@/server/web/events-query';
import { LocalTime } from '@/components/ui/format';
import { resultClass } from './event-table-tone';

export function LiveEvents({ query, afterId }: { query: string; afterId: number }) {
  const [events, setEvents] = useState<EventRow[]>([]);
  const [status, setStatus] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  useEffect(() => {
    const source = new EventSource(`/api/admin/events?${query}${query ? '&' : ''}after=${afterId}`);
    source.onopen = () => setStatus('live');
    source.onerror = () => setStatus('reconnecting');
    source.onmessage = (message) => {
      const event = JSON.parse(message.data) as EventRow;
      setEvents((previous) => [event, ...previous].slice(0, 500));
    };
    return () => source.close();
  }, [query, afterId]);
  return (
    <div className="mb-4">
      <p className="mb-2 text-sm" role="status" aria-live="polite">
        <span
          className={`mr-2 inline-block size-2 rounded-full ${status === 'live' ? 'bg-green-500' : 'bg-amber-500'}`}
          aria-hidden="true"
        />
        {status === 'live'
          ? `Live: ${events.length} new event(s) since the page opened`
          : status === 'connecting'
            ? 'Connecting…'
            : 'Connection lost, reconnecting…'}
      </p>
      {events.length > 0 && (
        <div className="card overflow-x-auto p-0">
          <table className="table" aria-label="New events">
            <tbody>
              {events.map((event) => (
                <tr key={event.id} data-event-id={event.id} className="bg-brand-50">
                  <td className="whitespace-nowrap">
                    <LocalTime iso={event.time} withSeconds />
                  </td>
                  <td>{event.protocol}</td>
                  <td>{event.action}</td>
                  <td>
                    <span className={resultClass(event.result)}>{event.result}</span>
                  </td>
                  <td className="break-all">{event.user ?? ''}</td>
                  <td className="font-mono text-xs">{event.clientIp ?? ''}</td>
                  <td className="font-mono text-xs">{event.queueId ?? ''}</td>
                  <td className="max-w-sm text-xs break-all text-slate-600">{event.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
