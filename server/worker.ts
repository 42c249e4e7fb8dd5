// The mail worker: SMTP (MX, submission, submissions), IMAP (+ IMAPS), POP3 (+ POP3S) and the
// outbound queue runner, all on the shared database. SIGTERM closes listeners, abandons outbound
// attempts (their entries are retried) and exits, within POSTROOM_WORKER_STOP_SECONDS whatever
// clients and remote servers do. It answers the supervisor's heartbeat (heartbeat.ts).
import { startSmtpServers } from './smtp';
import { startImapServers } from './imap';
import { startPop3Servers } from './pop3';
import { startQueueRunner } from './queue';
import { closeDb } from './core/db';
import { logger } from './core/logger';
import { answerHeartbeats } from './heartbeat';
import { restrictNewFileModes } from './core/data-dir';
import { startMaintenance } from './maintenance';

// Before anything opens a file: nothing in the data directory is for other local users.
restrictNewFileModes();

answerHeartbeats();

/** Under the supervisor's 10 s grace before its SIGKILL. */
const STOP_DEADLINE_MS = (Number(process.env.POSTROOM_WORKER_STOP_SECONDS) || 8) * 1000;

async function startWorker(): Promise<void> {
  const servers = await Promise.all([startSmtpServers(), startImapServers(), startPop3Servers()]);
  const queue = await startQueueRunner();
  startMaintenance();
  logger.info('mail worker listening', Object.assign({}, ...servers.map((server) => server.ports)));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('mail worker stopping', { signal });
    setTimeout(() => {
      logger.warn('mail worker stop took too long; exiting anyway', { afterMs: STOP_DEADLINE_MS });
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await Promise.allSettled([...servers.map((server) => server.close()), queue.close()]);
    await closeDb();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The supervisor is gone (killed): do not linger holding the ports.
  process.on('disconnect', () => void stop('disconnect'));
}

startWorker().catch((error: unknown) => {
  logger.error('mail worker failed to start', {
    error: error instanceof Error ? error.stack : String(error),
  });
  process.exit(1);
});
