import Link from 'next/link';
import type { EventRow } from '@/server/web/events-query';
import { LocalTime } from '@/components/ui/format';
import { resultClass } from './event-table-tone';
import { EventDetail } from './event-detail';

export function EventRowView({ event }: { event: EventRow }) {
  return (
    <tr data-event-id={event.id}>
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
      <td className="font-mono text-xs">
        {event.queueId ? (
          <Link href={`/admin/logs/journey/${encodeURIComponent(event.queueId)}`}>{event.queueId}</Link>
        ) : (
          ''
        )}
      </td>
      <td className="max-w-sm text-xs text-slate-600">
        <EventDetail detail={event.detail} />
      </td>
    </tr>
  );
}

export function EventTableHead() {
  return (
    <thead>
      <tr>
        <th scope="col">Time</th>
        <th scope="col">Protocol</th>
        <th scope="col">Action</th>
        <th scope="col">Result</th>
        <th scope="col">Address</th>
        <th scope="col">Client IP</th>
        <th scope="col">Queue id</th>
        <th scope="col">Detail</th>
      </tr>
    </thead>
  );
}
