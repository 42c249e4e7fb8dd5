// Wires the mail worker's metrics: called once at the top of server/worker.ts, before it decides
// between running alone and being a POSTROOM_WORKERS cluster primary. The process that is not a
// cluster child serves the loopback endpoint (worker-endpoint.ts): alone, its own registry; as a
// primary, its own and every child's (cluster-metrics.ts). Ready means every mail listener is up:
// alone, once workerListening() ran; as a primary, once each live child said it listens and none
// is missing (a dead child waiting for its restart makes it not ready); and, either way, the
// database answers.
import cluster from 'node:cluster';
import { clusterMetrics, answerClusterMetricsRequests } from './cluster-metrics';
import { trackConnections } from './connection-metrics';
import { initProcessMetrics, metricsRegistry } from './metrics';
import { databaseProblem } from './database-probe';
import { type Readiness, startHealthEndpoint, startWorkerEndpoint } from './worker-endpoint';

let listeningAlone = false;
let clustered = false;
const liveChildren = new Set<number>();
const listeningChildren = new Set<number>();
let peakChildren = 0;

function watchChildren(): void {
  cluster.on('fork', (worker) => {
    if (!clustered) initProcessMetrics('worker-primary');
    clustered = true;
    liveChildren.add(worker.id);
    peakChildren = Math.max(peakChildren, liveChildren.size);
  });
  // The child's 'postroom-listening' (cluster/messages.ts) after all its listeners are bound.
  cluster.on('message', (worker, message: { type?: unknown }) => {
    if (message?.type === 'postroom-listening') listeningChildren.add(worker.id);
  });
  cluster.on('exit', (worker) => {
    liveChildren.delete(worker.id);
    listeningChildren.delete(worker.id);
  });
}

function listenersReadiness(): Readiness {
  if (!clustered)
    return listeningAlone ? { ready: true } : { ready: false, reason: 'mail listeners not up yet' };
  const up = [...liveChildren].filter((id) => listeningChildren.has(id)).length;
  if (up > 0 && up === liveChildren.size && liveChildren.size >= peakChildren) return { ready: true };
  return { ready: false, reason: `${up} of ${peakChildren} mail worker processes listening` };
}

/** Listeners up, and the database answers (database-probe.ts: a load balancer's health check). */
async function readiness(): Promise<Readiness> {
  const listeners = listenersReadiness();
  if (!listeners.ready) return listeners;
  const problem = await databaseProblem();
  return problem ? { ready: false, reason: problem } : listeners;
}

export function serveWorkerMetrics(): void {
  if (cluster.isWorker) {
    initProcessMetrics(`worker-${process.env.POSTROOM_WORKER_SLOT ?? cluster.worker?.id ?? 0}`);
    answerClusterMetricsRequests();
    return;
  }
  initProcessMetrics('worker');
  watchChildren();
  startWorkerEndpoint({
    metrics: () => (clustered ? clusterMetrics() : metricsRegistry.getMetricsAsJSON()),
    readiness,
  });
  startHealthEndpoint({ readiness });
}

/** In the process that runs the listeners, once they are all bound. */
export function workerListening(ports: Record<string, number>): void {
  trackConnections(ports);
  listeningAlone = true;
}
