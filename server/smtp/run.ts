// Runs the SMTP listeners (and, unless POSTROOM_QUEUE_RUNNER=off, the queue runner) on their
// own: used by the crash test and bench/smtp.ts. Prints {"ports":{...}} once listening.
import { startSmtpServers } from './index';
import { startQueueRunner } from '../queue';
import { closeDb } from '../core/db';

const smtp = await startSmtpServers();
const queue = process.env.POSTROOM_QUEUE_RUNNER === 'off' ? null : await startQueueRunner();
process.stdout.write(`${JSON.stringify({ ports: smtp.ports, pid: process.pid })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([smtp.close(), queue?.close()]);
  await closeDb();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
