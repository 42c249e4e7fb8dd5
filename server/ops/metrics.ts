// The metrics every Postroom process keeps in its own memory (prom-client's default registry).
// The web's GET /metrics merges its own with the mail worker's (scrape.ts): each process labels
// its series with `process` (web, worker, worker-N under POSTROOM_WORKERS, worker-primary), so
// per-process memory stays apart and dashboards sum counters across processes.
import { Counter, collectDefaultMetrics, Gauge, Histogram, register } from 'prom-client';

// Next may load this module more than once in the web process (one copy per bundle), while
// prom-client itself is external and shared: a metric is made once and found again afterwards.
function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (
    (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

function gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return (register.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames });
}

function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return (
    (register.getSingleMetric(name) as Histogram<L> | undefined) ??
    new Histogram({ name, help, labelNames, buckets })
  );
}

export const connectionsTotal = counter(
  'postroom_connections_total',
  'TCP connections accepted by the mail listeners',
  ['protocol', 'listener'],
);
let refreshSessions: (() => void) | undefined;
/** connection-metrics.ts recounts open sessions when the gauge is read. */
export function setSessionsRefresher(refresh: () => void): void {
  refreshSessions = refresh;
}
export const sessionsActive =
  (register.getSingleMetric('postroom_sessions_active') as Gauge<'protocol' | 'listener'> | undefined) ??
  new Gauge({
    name: 'postroom_sessions_active',
    help: 'Mail sessions (connections) open now',
    labelNames: ['protocol', 'listener'],
    collect: () => refreshSessions?.(),
  });
export const loginsTotal = counter(
  'postroom_logins_total',
  'Login attempts by protocol and result (ok, failed, throttled, disabled)',
  ['protocol', 'result'],
);
export const messagesReceivedTotal = counter(
  'postroom_messages_received_total',
  'Messages accepted over SMTP (committed before the 250)',
  [],
);
export const messagesDeliveredTotal = counter(
  'postroom_messages_delivered_total',
  'Deliveries per recipient: local (into a mailbox) or remote (handed to the next MX)',
  ['destination'],
);
export const messagesDeferredTotal = counter(
  'postroom_messages_deferred_total',
  'Remote deliveries per recipient that failed temporarily and will be retried',
  [],
);
export const messagesBouncedTotal = counter(
  'postroom_messages_bounced_total',
  'Remote deliveries per recipient that failed for good (a DSN goes to the sender)',
  [],
);
export const messagesRejectedTotal = counter(
  'postroom_messages_rejected_total',
  'SMTP refusals by stage (connect, dnsbl, mail_from, rcpt_to, data, deliver) and reason',
  ['stage', 'reason'],
);
export const deliveryLatency = histogram(
  'postroom_delivery_latency_seconds',
  'Time from queueing to the final outcome of a remote delivery',
  ['outcome'],
  [0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600, 5 * 24 * 3600],
);
export const dbQueryDuration = histogram(
  'postroom_db_query_duration_seconds',
  'Database operations as the code awaits them (Prisma operation, retries included)',
  ['operation'],
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
);
export const queueDepth = gauge(
  'postroom_queue_entries',
  'Outbound queue entries by state (queued, deferred, ... and sending: claimed by a runner now)',
  ['state'],
);
export const storeBytes = gauge(
  'postroom_store_bytes',
  'Bytes of stored message content that is referenced (content-addressed blobs)',
  [],
);
export const storeBlobs = gauge('postroom_store_blobs', 'Referenced message content blobs', []);

/** Once per process: names the process in every series and adds memory, CPU and event-loop metrics. */
export function initProcessMetrics(processName: string): void {
  register.setDefaultLabels({ process: processName });
  if (!register.getSingleMetric('process_resident_memory_bytes')) collectDefaultMetrics({ register });
}

export { register as metricsRegistry };

/** One metric family as prom-client's getMetricsAsJSON gives it (what processes hand each other). */
export type MetricJson = Awaited<ReturnType<typeof register.getMetricsAsJSON>>[number];
