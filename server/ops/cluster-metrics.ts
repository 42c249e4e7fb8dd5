// Metrics across POSTROOM_WORKERS cluster children. Each child answers prom-client's own cluster
// request (AggregatorRegistry's message protocol) with its registry as JSON; the primary asks every
// live child and hands the answers on unmerged (the web merges all processes at once, scrape.ts).
import cluster from 'node:cluster';
import { AggregatorRegistry, register } from 'prom-client';
import type { MetricJson } from './metrics';

// prom-client's message types (lib/cluster.js); its child-side listener answers them.
const REQUEST = 'prom-client:getMetricsReq';
const RESPONSE = 'prom-client:getMetricsRes';
const CHILD_ANSWER_TIMEOUT_MS = 3000;

/** In a cluster child: answer the primary's metrics requests (prom-client installs the listener). */
export function answerClusterMetricsRequests(): void {
  if (cluster.isWorker) new AggregatorRegistry();
}

interface ChildAnswer {
  type: typeof RESPONSE;
  requestId: number;
  metrics?: MetricJson[][];
  error?: string;
}

let nextRequestId = 1_000_000; // apart from prom-client's own ids, should anything else ask too

/** In the primary: its own metrics and every child's that answers in time (a hung child is left out). */
export async function clusterMetrics(): Promise<MetricJson[]> {
  const own = await register.getMetricsAsJSON();
  const children = Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected());
  const answers = await Promise.all(
    children.map(
      (worker) =>
        new Promise<MetricJson[]>((resolve) => {
          if (!worker) return resolve([]);
          const requestId = nextRequestId++;
          const done = (metrics: MetricJson[]) => {
            clearTimeout(timer);
            worker.off('message', onMessage);
            resolve(metrics);
          };
          const onMessage = (message: Partial<ChildAnswer>) => {
            if (message?.type !== RESPONSE || message.requestId !== requestId) return;
            done(message.error ? [] : (message.metrics ?? []).flat());
          };
          const timer = setTimeout(() => done([]), CHILD_ANSWER_TIMEOUT_MS);
          worker.on('message', onMessage);
          worker.send({ type: REQUEST, requestId }, () => undefined);
        }),
    ),
  );
  return [...own, ...answers.flat()];
}
