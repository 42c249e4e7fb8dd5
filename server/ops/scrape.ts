// GET /metrics: the web process's metrics, the database-derived gauges (queue depth, store size:
// read at scrape time, once, by the web) and the mail worker's metrics fetched from its loopback
// endpoint, merged into one Prometheus text exposition (one HELP/TYPE per metric family).
import { AggregatorRegistry, Gauge } from 'prom-client';
import { db } from '../core/db';
import { logger } from '../core/logger';
import {
  initProcessMetrics,
  type MetricJson,
  metricsRegistry,
  queueDepth,
  storeBlobs,
  storeBytes,
} from './metrics';
import { workerMetrics } from './worker-client';

const workerUp =
  (metricsRegistry.getSingleMetric('postroom_worker_up') as Gauge | undefined) ??
  new Gauge({
    name: 'postroom_worker_up',
    help: 'Whether the mail worker answered this scrape',
    labelNames: [],
  });

async function refreshDatabaseGauges(): Promise<void> {
  const now = new Date();
  const [byStatus, sending, blobs] = await Promise.all([
    db().queueEntry.groupBy({ by: ['status'], _count: { _all: true } }),
    db().queueEntry.count({ where: { lockedUntil: { gt: now } } }),
    db().blob.aggregate({ where: { refCount: { gt: 0 } }, _sum: { size: true }, _count: { _all: true } }),
  ]);
  queueDepth.reset(); // a state that emptied must not keep its last count
  for (const state of ['queued', 'deferred']) queueDepth.set({ state }, 0);
  for (const row of byStatus) queueDepth.set({ state: row.status }, row._count._all);
  queueDepth.set({ state: 'sending' }, sending);
  storeBytes.set(blobs._sum.size ?? 0);
  storeBlobs.set(blobs._count._all);
}

export async function collectMetrics(): Promise<{ body: string; contentType: string }> {
  initProcessMetrics('web');
  // A database that is away leaves the last gauges standing: /readyz is what reports it.
  const gauges = refreshDatabaseGauges().catch((error: unknown) =>
    logger.warn('metrics: database gauges not refreshed', { error: String(error) }),
  );
  const [worker] = await Promise.all([workerMetrics(), gauges]);
  workerUp.set(worker ? 1 : 0);
  const web: MetricJson[] = await metricsRegistry.getMetricsAsJSON();
  const merged = AggregatorRegistry.aggregate([web, worker ?? []]);
  return { body: await merged.metrics(), contentType: metricsRegistry.contentType };
}
