'use client';
// A plain SVG line chart of the dashboard's four figures, with the numbers as a table beside it
// for screen readers and anyone who wants the exact counts.
import { useEffect, useState } from 'react';
import type { Series, Metric } from '@/server/web/stats';
import { formatCount } from '@/components/ui/numbers';

const COLOURS: Record<Metric, string> = {
  received: '#2f6fdb',
  sent: '#15803d',
  rejected: '#b91c1c',
  bounced: '#d97706',
};
const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 36, right: 8, top: 10, bottom: 22 };

/** Axis labels in the viewer's time zone, so they appear once the browser has the page. */
function useLabel(granularity: 'hour' | 'day'): (iso: string) => string {
  const [format, setFormat] = useState<Intl.DateTimeFormat | null>(null);
  useEffect(
    () =>
      setFormat(
        new Intl.DateTimeFormat(
          undefined,
          granularity === 'hour'
            ? { hour: '2-digit', minute: '2-digit' }
            : { day: 'numeric', month: 'short' },
        ),
      ),
    [granularity],
  );
  return (iso) => (format ? format.format(new Date(iso)) : '');
}

export function TrafficChart({
  title,
  series,
  labelEvery,
  granularity,
}: {
  title: string;
  series: Series;
  labelEvery: number;
  granularity: 'hour' | 'day';
}) {
  const label = useLabel(granularity);
  const metrics = Object.keys(series.values) as Metric[];
  const max = Math.max(1, ...metrics.flatMap((metric) => series.values[metric]));
  const count = series.buckets.length;
  const x = (i: number) => PAD.left + (i * (WIDTH - PAD.left - PAD.right)) / Math.max(1, count - 1);
  const y = (v: number) => PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - v / max);
  const totals = Object.fromEntries(
    metrics.map((metric) => [metric, series.values[metric].reduce((a, b) => a + b, 0)]),
  ) as Record<Metric, number>;
  return (
    <figure className="card">
      <figcaption className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <span className="font-semibold">{title}</span>
        <span className="flex flex-wrap gap-3 text-xs">
          {metrics.map((metric) => (
            <span key={metric} className="flex items-center gap-1">
              <span
                className="inline-block h-2 w-3 rounded"
                style={{ background: COLOURS[metric] }}
                aria-hidden="true"
              />
              {metric}{' '}
              <strong className="tabular-nums" data-metric-total={metric}>
                {formatCount(totals[metric])}
              </strong>
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className="h-auto w-full"
        role="img"
        aria-label={`${title}: ${metrics.map((m) => `${m} ${totals[m]}`).join(', ')}`}
      >
        {[...new Set([0, Math.round(max / 2), max])].map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} stroke="#e2e8f0" />
            <text x={PAD.left - 4} y={y(tick) + 3} textAnchor="end" fontSize="9" fill="#64748b">
              {formatCount(tick)}
            </text>
          </g>
        ))}
        {series.buckets.map((iso, i) =>
          i % labelEvery === 0 ? (
            <text key={iso} x={x(i)} y={HEIGHT - 6} textAnchor="middle" fontSize="9" fill="#64748b">
              {label(iso)}
            </text>
          ) : null,
        )}
        {metrics.map((metric) => (
          <polyline
            key={metric}
            fill="none"
            stroke={COLOURS[metric]}
            strokeWidth="1.8"
            strokeLinejoin="round"
            points={series.values[metric].map((v, i) => `${x(i)},${y(v)}`).join(' ')}
          />
        ))}
      </svg>
      <details className="mt-2 text-xs">
        <summary className="cursor-pointer text-slate-600">Show as a table</summary>
        <div className="max-h-60 overflow-auto">
          <table className="table mt-1">
            <thead>
              <tr>
                <th scope="col">From</th>
                {metrics.map((m) => (
                  <th key={m} scope="col" className="text-right">
                    {m}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {series.buckets.map((iso, i) => (
                <tr key={iso}>
                  <td>{label(iso) || iso.slice(0, 16).replace('T', ' ')}</td>
                  {metrics.map((m) => (
                    <td key={m} className="text-right tabular-nums">
                      {series.values[m][i]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
