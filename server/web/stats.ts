// Figures for the dashboard: mail received, sent, rejected and bounced per hour (24 h) and per
// day (30 days) from the event log, plus queue and storage totals.
import { db } from '../core/db';

export const METRICS = ['received', 'sent', 'rejected', 'bounced'] as const;
export type Metric = (typeof METRICS)[number];

interface EventLike {
  protocol: string;
  action: string;
  result: string;
}

const REFUSED_DATA = new Set(['too_big', 'long_line', 'dmarc_reject', 'refused']);

/** Which dashboard figure an event counts towards, if any. */
export function metricOf(event: EventLike): Metric | null {
  if (event.result === 'bounced') return 'bounced';
  if (event.protocol === 'smtp' && event.action === 'data' && event.result === 'accepted') return 'received';
  if (event.protocol === 'queue' && (event.result === 'sent' || event.result === 'delivered')) return 'sent';
  if (event.protocol === 'smtp' && (event.result === 'reject' || REFUSED_DATA.has(event.result)))
    return 'rejected';
  return null;
}

export interface Series {
  /** ISO start of each bucket. */
  buckets: string[];
  values: Record<Metric, number[]>;
}

const RELEVANT_RESULTS = ['bounced', 'accepted', 'sent', 'delivered', 'reject', ...REFUSED_DATA];

async function series(bucketMs: number, count: number, now: number): Promise<Series> {
  const end = Math.ceil(now / bucketMs) * bucketMs;
  const start = end - bucketMs * count;
  const rows = await db().event.findMany({
    where: { time: { gte: new Date(start) }, result: { in: RELEVANT_RESULTS } },
    select: { time: true, protocol: true, action: true, result: true },
  });
  const values = Object.fromEntries(
    METRICS.map((metric) => [metric, new Array<number>(count).fill(0)]),
  ) as Record<Metric, number[]>;
  for (const row of rows) {
    const metric = metricOf(row);
    const index = Math.floor((row.time.getTime() - start) / bucketMs);
    if (metric && index >= 0 && index < count) values[metric][index]! += 1;
  }
  return {
    buckets: Array.from({ length: count }, (_, i) => new Date(start + i * bucketMs).toISOString()),
    values,
  };
}

let cachedMonth: { at: number; value: Promise<Series> } | undefined;

export async function trafficSeries(now = Date.now()): Promise<{ day: Series; month: Series }> {
  // The 30-day series reads many rows; a minute-old copy is good enough.
  if (!cachedMonth || now - cachedMonth.at > 60_000)
    cachedMonth = { at: now, value: series(86_400_000, 30, now) };
  const [day, month] = await Promise.all([series(3_600_000, 24, now), cachedMonth.value]);
  return { day, month };
}

export async function totals() {
  const [domains, mailboxes, storage, blobs, queue, oldestDeferred] = await Promise.all([
    db().domain.count(),
    db().user.count(),
    db().user.aggregate({ _sum: { usedBytes: true } }),
    // Only referenced content: unreferenced blobs are waiting for the collector (store/gc.ts).
    db().blob.aggregate({ where: { refCount: { gt: 0 } }, _sum: { size: true }, _count: { _all: true } }),
    db().queueEntry.groupBy({ by: ['status'], _count: { _all: true } }),
    db().queueEntry.findFirst({
      where: { status: 'deferred' },
      orderBy: { createdAt: 'asc' },
      select: { createdAt: true },
    }),
  ]);
  const byStatus = Object.fromEntries(queue.map((row) => [row.status, row._count._all])) as Record<
    string,
    number
  >;
  const waiting = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
  return {
    domains,
    mailboxes,
    mailboxBytes: storage._sum.usedBytes ?? 0n,
    blobBytes: blobs._sum.size ?? 0,
    blobCount: blobs._count._all,
    queueWaiting: waiting,
    queueDeferred: byStatus.deferred ?? 0,
    oldestDeferred: oldestDeferred?.createdAt ?? null,
  };
}
