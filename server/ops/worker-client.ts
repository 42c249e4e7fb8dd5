// The web's side of the worker's loopback endpoint (worker-endpoint.ts).
import type { MetricJson } from './metrics';
import { WORKER_METRICS_HOST, workerMetricsPort } from './worker-endpoint';

const WORKER_ANSWER_TIMEOUT_MS = 3000;

export type WorkerAnswer<T> = { ok: true; status: number; body: T } | { ok: false; reason: string };

async function askWorker<T>(path: string): Promise<WorkerAnswer<T>> {
  const port = workerMetricsPort();
  if (port === 0) return { ok: false, reason: 'POSTROOM_WORKER_METRICS_PORT is 0 (endpoint off)' };
  try {
    const response = await fetch(`http://${WORKER_METRICS_HOST}:${port}${path}`, {
      signal: AbortSignal.timeout(WORKER_ANSWER_TIMEOUT_MS),
      cache: 'no-store',
    });
    return { ok: true, status: response.status, body: (await response.json()) as T };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      reason: `mail worker not answering on ${WORKER_METRICS_HOST}:${port} (${cause ?? String(error)})`,
    };
  }
}

export async function workerMetrics(): Promise<MetricJson[] | null> {
  const answer = await askWorker<MetricJson[]>('/metrics.json');
  return answer.ok && answer.status === 200 && Array.isArray(answer.body) ? answer.body : null;
}

export async function workerReadiness(): Promise<{ ready: boolean; reason?: string }> {
  const answer = await askWorker<{ ready?: boolean; reason?: string }>('/ready');
  if (!answer.ok) return { ready: false, reason: answer.reason };
  if (answer.status === 200 && answer.body.ready === true) return { ready: true };
  return { ready: false, reason: answer.body.reason ?? `mail worker answered ${answer.status}` };
}
