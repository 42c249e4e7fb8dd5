'use client';
// Times are shown in the viewer's own time zone: the server sends ISO instants, the browser
// formats them. Until hydration the UTC text stands in.
import { useEffect, useState } from 'react';

export function LocalTime({
  iso,
  withSeconds = false,
  withMilliseconds = false,
  relative = false,
}: {
  iso: string | null | undefined;
  withSeconds?: boolean;
  /** For events that share a second: which came first is only visible in the milliseconds. */
  withMilliseconds?: boolean;
  relative?: boolean;
}) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    if (!iso) return;
    const date = new Date(iso);
    const absolute = new Intl.DateTimeFormat(
      undefined,
      withMilliseconds
        ? {
            year: 'numeric',
            month: 'short',
            day: 'numeric',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            fractionalSecondDigits: 3,
          }
        : { dateStyle: 'medium', timeStyle: withSeconds ? 'medium' : 'short' },
    ).format(date);
    if (!relative) return setText(absolute);
    const seconds = Math.round((date.getTime() - Date.now()) / 1000);
    const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    const abs = Math.abs(seconds);
    setText(
      abs < 60
        ? format.format(seconds, 'second')
        : abs < 3600
          ? format.format(Math.round(seconds / 60), 'minute')
          : abs < 86400
            ? format.format(Math.round(seconds / 3600), 'hour')
            : absolute,
    );
  }, [iso, withSeconds, withMilliseconds, relative]);
  if (!iso) return <span className="text-slate-400">—</span>;
  return (
    <time dateTime={iso} title={iso} data-local-time>
      {text ?? `${iso.replace('T', ' ').slice(0, withMilliseconds ? 23 : withSeconds ? 19 : 16)} UTC`}
    </time>
  );
}
