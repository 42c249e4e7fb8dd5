// The worker as a process: SIGTERM while the queue is stuck on a remote server that never greets
// exits at once and gives the entry back (nothing lost, retried by the next worker); and the
// supervisor kills and restarts a worker that stops answering its heartbeat (SIGSTOP).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startHostilePeer, type HostilePeer } from './hostile-smtp-peer';
import { db } from '../../server/core/db';
import { enqueueMessage } from '../../server/queue';

let database: TestDatabase;
let silent: HostilePeer;
const started: ChildProcess[] = [];
const workerPids = new Set<number>();

before(async () => {
  database = await createTestDatabase();
  silent = await startHostilePeer('silent');
});
after(async () => {
  for (const pid of workerPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await silent.close();
  await database.cleanup();
});

/** Every listener on an ephemeral port, the smarthost a peer that never greets, logs on. */
function workerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    POSTROOM_LOG: '',
    POSTROOM_LISTEN: '127.0.0.1',
    POSTROOM_HOSTNAME: 'mx.foobar.com',
    POSTROOM_SMTP_PORT: '0',
    POSTROOM_SUBMISSION_PORT: '0',
    POSTROOM_SMTPS_PORT: '0',
    POSTROOM_IMAP_PORT: '0',
    POSTROOM_IMAPS_PORT: '0',
    POSTROOM_POP3_PORT: '0',
    POSTROOM_POP3S_PORT: '0',
    POSTROOM_MANAGESIEVE_PORT: '0',
    POSTROOM_MAILAUTH: 'off',
    POSTROOM_RELAYHOST: `127.0.0.1:${silent.port}`,
    ...extra,
  };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface LogLine {
  msg?: string;
  pid?: number;
}

/** Collects the JSON log lines a process writes on stdout and stderr. */
function collectLogs(child: ChildProcess): LogLine[] {
  const lines: LogLine[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: line });
      }
    });
  }
  return lines;
}

test('SIGTERM to a worker stuck on a peer that never greets: it exits promptly and the entry is given back', {
  timeout: 120_000,
}, async () => {
  const queueId = await enqueueMessage({
    sender: 'kim@foobar.com',
    recipients: ['someone@far.example'],
    content: Buffer.from('From: kim@foobar.com\r\nSubject: stuck\r\n\r\nHello\r\n'),
  });
  const worker = spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], {
    // One process: this is the worker's own stop path (the cluster's is in workers.test.ts).
    env: workerEnv({ POSTROOM_WORKERS: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(worker);
  collectLogs(worker);
  await waitFor('the worker to connect to the silent peer', () => silent.open > 0);
  const claimed = await db().queueEntry.findUniqueOrThrow({ where: { queueId } });
  assert.ok(claimed.lockedBy, 'the entry is claimed while the attempt hangs');
  const stoppingAt = Date.now();
  const exited = once(worker, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  worker.kill('SIGTERM');
  const [code] = await exited;
  const tookMs = Date.now() - stoppingAt;
  // The greeting deadline is 5 minutes; the supervisor's grace before SIGKILL is 10 s.
  assert.ok(tookMs < 10_000, `exited after ${tookMs} ms`);
  assert.equal(code, 0, 'a clean stop, not the stop deadline');
  const entry = await db().queueEntry.findUniqueOrThrow({
    where: { queueId },
    include: { recipients: true },
  });
  assert.equal(entry.lockedBy, null, 'the claim is given back for the next worker');
  assert.equal(entry.attempts, 0, 'an abandoned attempt is not counted as a deferral');
  assert.deepEqual(
    entry.recipients.map((recipient) => recipient.status),
    ['pending'],
  );
  await waitFor('the connection to the peer to close', () => silent.open === 0, 10_000);
  await db().queueEntry.delete({ where: { queueId } });
});

test('the supervisor kills and restarts a worker that stops answering its heartbeat', {
  timeout: 150_000,
}, async () => {
  const supervisor = spawn(process.execPath, ['bin/postroom.js', 'start'], {
    env: workerEnv({
      POSTROOM_ROLES: 'worker',
      POSTROOM_WORKER_HEARTBEAT_SECONDS: '0.5',
      POSTROOM_WORKER_HEARTBEAT_TIMEOUT_SECONDS: '3',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(supervisor);
  const logs = collectLogs(supervisor);
  const startedPids = () =>
    logs.filter((line) => line.msg === 'worker started' && line.pid).map((line) => line.pid!);
  const listening = () => logs.filter((line) => line.msg === 'mail worker listening').length;
  await waitFor('the first worker to listen', () => listening() >= 1);
  const [first] = startedPids();
  assert.ok(first);
  workerPids.add(first);
  // Its event loop stops: it can answer nothing, yet its sockets stay open.
  process.kill(first, 'SIGSTOP');
  await waitFor('a second worker to listen', () => listening() >= 2, 90_000);
  const second = startedPids()[1];
  assert.ok(second && second !== first);
  workerPids.add(second);
  assert.ok(
    logs.some((line) => line.msg === 'worker stopped answering heartbeats; killing it' && line.pid === first),
  );
  assert.throws(() => process.kill(first, 0), /ESRCH/, 'the hung worker is gone');
  const exited = once(supervisor, 'exit');
  supervisor.kill('SIGTERM');
  await exited;
  await waitFor('the second worker to exit', () => {
    try {
      process.kill(second, 0);
      return false;
    } catch {
      return true;
    }
  });
});
