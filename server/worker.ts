// The mail worker: SMTP (MX, submission, submissions), IMAP (+ IMAPS), POP3 (+ POP3S), ManageSieve
// and the outbound queue runner, all on the shared database. SIGTERM closes listeners, abandons outbound
// attempts (their entries are retried) and exits, within POSTROOM_WORKER_STOP_SECONDS whatever
// clients and remote servers do. It answers the supervisor's heartbeat (heartbeat.ts).
// With POSTROOM_WORKERS > 1 (the default on a machine with several cores) this process is only a
// cluster primary (cluster/primary.ts) and each of its children runs the worker below; the
// protocol code is loaded by the children alone.
import cluster from 'node:cluster';
import { logger } from './core/logger';
import { answerHeartbeats } from './heartbeat';
import { restrictNewFileModes } from './core/data-dir';
import { workerProcessCount, workerSlot } from './cluster/settings';
import type { ListeningMessage } from './cluster/messages';
import { serveWorkerMetrics, workerListening } from './ops/worker-metrics';

// Before anything opens a file: nothing in the data directory is for other local users.
restrictNewFileModes();
// Metrics and readiness on a loopback port for the web's /metrics and /readyz (ops/worker-metrics.ts).
serveWorkerMetrics();

/** Under the supervisor's 10 s grace before its SIGKILL. */
const STOP_DEADLINE_MS = (Number(process.env.POSTROOM_WORKER_STOP_SECONDS) || 8) * 1000;

async function startWorker(): Promise<void> {
  // Signals are heard from the first moment: one that comes while the listeners and the queue
  // runner start (some of them may already hold peers) waits for the start, then stops cleanly.
  let stopRequested: string | undefined;
  let stopNow: ((signal: string) => Promise<void>) | undefined;
  const requestStop = (signal: string) => {
    if (stopNow) return void stopNow(signal);
    if (stopRequested) return;
    stopRequested = signal;
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS * 2).unref();
  };
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  // The supervisor (or the cluster primary) is gone (killed): do not linger holding the ports.
  process.on('disconnect', () => requestStop('disconnect'));
  const [
    { startSmtpServers },
    { startImapServers },
    { startPop3Servers },
    { startManageSieveServers },
    { startQueueRunner },
  ] = await Promise.all([
    import('./smtp'),
    import('./imap'),
    import('./pop3'),
    import('./managesieve'),
    import('./queue'),
  ]);
  const [{ closeDb }, { startMaintenance }, { processLedger }, { shareCountsAcrossNodes }] =
    await Promise.all([
      import('./core/db'),
      import('./maintenance'),
      import('./cluster/shared-counter'),
      import('./cluster/node-counts-db'),
    ]);
  // Alone on this node, this process owns the node's connection counts (else the primary does).
  const nodeCounts = cluster.isWorker ? null : shareCountsAcrossNodes(processLedger());
  const servers = await Promise.all([
    startSmtpServers(),
    startImapServers(),
    startPop3Servers(),
    startManageSieveServers(),
  ]);
  // Claims are safe across processes (queue/claim.ts): every child runs a queue runner.
  const queue = await startQueueRunner();
  // Housekeeping once per machine, not once per child: slot 0 (restarted in the same slot).
  if (workerSlot() === 0) startMaintenance();
  // ACME orders and renewals (POSTROOM_ACME_DIRECTORY) likewise; every child reloads the result.
  const stopAcme = workerSlot() === 0 ? (await import('./acme/renewal')).startAcme() : () => {};
  const ports: Record<string, number> = Object.assign({}, ...servers.map((server) => server.ports));
  workerListening(ports);
  if (cluster.isWorker) {
    logger.info('mail worker process listening', { ...ports, slot: workerSlot(), pid: process.pid });
    const listening: ListeningMessage = { type: 'postroom-listening', ports };
    process.send?.(listening);
  } else logger.info('mail worker listening', ports);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('mail worker stopping', { signal });
    setTimeout(() => {
      logger.warn('mail worker stop took too long; exiting anyway', { afterMs: STOP_DEADLINE_MS });
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    // A DATA or literal in flight gets half the deadline to finish; the rest is for the database.
    const graceMs = STOP_DEADLINE_MS / 2;
    stopAcme();
    await Promise.allSettled([...servers.map((server) => server.close(graceMs)), queue.close()]);
    await nodeCounts?.stop(); // never throws; the other nodes stop counting this one at once
    await closeDb();
    process.exit(0);
  };
  stopNow = stop;
  if (stopRequested) await stop(stopRequested);
}

function failed(error: unknown): never {
  logger.error('mail worker failed to start', {
    error: error instanceof Error ? error.stack : String(error),
  });
  process.exit(1);
}

const processes = cluster.isPrimary ? workerProcessCount() : 1;
if (processes > 1) {
  import('./cluster/primary')
    .then(({ runClusterPrimary }) => runClusterPrimary(processes, STOP_DEADLINE_MS))
    .catch(failed);
} else {
  answerHeartbeats();
  startWorker().catch(failed);
}
