// /healthz says the web process answers; /readyz says mail can flow: the database answers a query
// and the mail worker's listeners are up (its loopback endpoint says so, worker-endpoint.ts).
import { db } from '../core/db';
import { workerReadiness } from './worker-client';

const DATABASE_TIMEOUT_MS = 3000;

export interface ReadinessReport {
  ready: boolean;
  checks: { database: string; worker: string };
}

async function checkDatabase(): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db().$queryRaw`SELECT 1`,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${DATABASE_TIMEOUT_MS} ms`)),
          DATABASE_TIMEOUT_MS,
        );
      }),
    ]);
    return 'ok';
  } catch (error) {
    return `database unreachable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(): Promise<ReadinessReport> {
  const [database, worker] = await Promise.all([checkDatabase(), workerReadiness()]);
  const workerCheck = worker.ready ? 'ok' : (worker.reason ?? 'not ready');
  return { ready: database === 'ok' && worker.ready, checks: { database, worker: workerCheck } };
}
