// The mail worker's own metrics and readiness, on a loopback-only HTTP port that the web's
// /metrics and /readyz read (POSTROOM_WORKER_METRICS_PORT). Metrics go out in prom-client's JSON
// form so the web can merge them with its own into one valid exposition (scrape.ts); a counter
// lives in the process that counts it and nothing is written to the database per event.
import { createServer, type Server } from 'node:http';
import type { MetricJson } from './metrics';
import { logger } from '../core/logger';

export const DEFAULT_WORKER_METRICS_PORT = 9465;
/** Always loopback: the web process on the same machine is its one client. */
export const WORKER_METRICS_HOST = '127.0.0.1';

/** POSTROOM_WORKER_METRICS_PORT; 0 turns the endpoint (and the worker part of /readyz) off. */
export function workerMetricsPort(): number {
  const raw = process.env.POSTROOM_WORKER_METRICS_PORT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_WORKER_METRICS_PORT;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new Error(`POSTROOM_WORKER_METRICS_PORT must be a port number, got "${raw}"`);
  return value;
}

type Send = (status: number, body: unknown) => void;

function answerReady(source: Pick<WorkerEndpointSource, 'readiness'>, send: Send): Promise<void> {
  return Promise.resolve(source.readiness()).then(
    (readiness) => send(readiness.ready ? 200 : 503, readiness),
    (error: unknown) => send(503, { ready: false, reason: String(error) }),
  );
}

/** POSTROOM_HEALTH_LISTEN ("host:port", "[v6]:port" or a port): null when unset (off). */
export function healthListen(
  raw = process.env.POSTROOM_HEALTH_LISTEN,
): { host: string; port: number } | null {
  if (raw === undefined || raw.trim() === '') return null;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(raw.trim()) ?? /^()()(\d+)$/.exec(raw.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`POSTROOM_HEALTH_LISTEN must be host:port or a port, got "${raw}"`);
  return { host: match[1] || match[2] || '0.0.0.0', port };
}

/**
 * GET /ready alone, on an address a load balancer on another machine can reach
 * (POSTROOM_HEALTH_LISTEN): the loopback endpoint also serves metrics, which stay local.
 */
export function startHealthEndpoint(
  source: Pick<WorkerEndpointSource, 'readiness'>,
  listen = healthListen(),
): Server | null {
  if (!listen) return null;
  const server = createServer((request, response) => {
    const send: Send = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if ((request.method === 'GET' || request.method === 'HEAD') && request.url === '/ready')
      return void answerReady(source, send);
    send(404, { error: 'not found' });
  });
  server.on('error', (error) =>
    logger.error('health endpoint not listening', { ...listen, error: String(error) }),
  );
  server.listen(listen.port, listen.host, () => logger.info('health endpoint listening', listen));
  server.unref();
  return server;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface WorkerEndpointSource {
  metrics(): Promise<MetricJson[]>;
  readiness(): Readiness | Promise<Readiness>;
}

/**
 * Serves GET /metrics.json and GET /ready. A port that is taken is logged and left: metrics are
 * not worth a mail worker that does not start (the web's /readyz then says the worker is away).
 */
export function startWorkerEndpoint(source: WorkerEndpointSource, port = workerMetricsPort()): Server | null {
  if (port === 0) return null;
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return send(405, { error: 'method not allowed' });
    if (request.url === '/ready') return void answerReady(source, send);
    if (request.url === '/metrics.json')
      return void source.metrics().then(
        (metrics) => send(200, metrics),
        (error: unknown) => send(500, { error: String(error) }),
      );
    send(404, { error: 'not found' });
  });
  server.on('error', (error) =>
    logger.warn('worker metrics endpoint not listening', { port, error: String(error) }),
  );
  server.listen(port, WORKER_METRICS_HOST, () =>
    logger.info('worker metrics endpoint listening', { host: WORKER_METRICS_HOST, port }),
  );
  server.unref(); // it never keeps a stopping worker alive
  return server;
}
