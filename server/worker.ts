// The mail worker: SMTP (MX, submission, submissions), IMAP (+ IMAPS), POP3 (+ POP3S) and the
// outbound queue runner, all on the shared database. SIGTERM closes listeners, lets open
// transactions finish, then exits.
import { startSmtpServers } from './smtp';
import { startImapServers } from './imap';
import { startPop3Servers } from './pop3';
import { startQueueRunner } from './queue';
import { closeDb } from './core/db';
import { logger } from './core/logger';
import { restrictNewFileModes } from './core/data-dir';
import { startMaintenance } from './maintenance';

// Before anything opens a file: nothing in the data directory is for other local users.
restrictNewFileModes();

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
    await Promise.allSettled([...servers.map((server) => server.close()), queue.close()]);
    await closeDb();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

startWorker().catch((error: unknown) => {
  logger.error('mail worker failed to start', {
    error: error instanceof Error ? error.stack : String(error),
  });
  process.exit(1);
});
