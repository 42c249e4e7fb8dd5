// Durability: kill -9 the SMTP worker while a client sends 500 messages, start it again, and check
// that every message that got its 250 is in the mailbox (or the outbound queue), with UIDs that
// are unique and without gaps.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox, addAlias, addAccessRule } from '../../server/domain';
import { db } from '../../server/core/db';
import { readBlob } from '../../server/store';

let database: TestDatabase;
let worker: ChildProcess | undefined;

function startWorker(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/smtp/run.ts'], {
    env: {
      ...process.env,
      POSTROOM_LOG: 'silent',
      POSTROOM_QUEUE_RUNNER: 'off',
      POSTROOM_SMTP_PORT: '0',
      POSTROOM_SUBMISSION_PORT: '0',
      POSTROOM_SMTPS_PORT: '0',
      POSTROOM_LISTEN: '127.0.0.1',
      POSTROOM_MAILAUTH: 'off',
      POSTROOM_HOSTNAME: 'mx.foobar.com',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  worker = child;
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) =>
      resolve({ child, port: (JSON.parse(line) as { ports: { smtp: number } }).ports.smtp }),
    );
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

after(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    await new Promise((resolve) => (worker!.once('exit', resolve), worker!.kill('SIGTERM')));
  }
  await database?.cleanup();
});

test('kill -9 during 500 messages: every 250 is stored or queued, UIDs have no gaps', {
  timeout: 120_000,
}, async () => {
  database = await createTestDatabase();
  await addDomain('foobar.com');
  await addMailbox({ address: 'kim@foobar.com', password: 'Correct-Horse-Battery-9' });
  await addAlias('out@foobar.com', ['partner@remote.example']);
  await addAccessRule({ pattern: '127.0.0.1', action: 'OK' });
  const { child, port } = await startWorker();
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 5,
    maxMessages: Infinity,
    host: '127.0.0.1',
    port,
    ignoreTLS: true,
  });
  const acknowledged: number[] = [];
  let killed = false;
  const sends = Array.from({ length: 500 }, (_, n) =>
    transport
      .sendMail({
        from: 'sender@elsewhere.example',
        to: n % 10 === 0 ? 'out@foobar.com' : 'kim@foobar.com',
        subject: `crash ${n}`,
        text: `message number ${n}\n${'x'.repeat(2000)}`,
      })
      .then(
        () => {
          acknowledged.push(n);
          if (acknowledged.length === 150 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        },
        () => undefined,
      ),
  );
  await Promise.all(sends);
  transport.close();
  assert.ok(killed, 'the worker was killed mid-run');
  assert.ok(acknowledged.length >= 150 && acknowledged.length < 500, `acknowledged ${acknowledged.length}`);

  // The worker comes back up on the same data.
  const again = await startWorker();
  const info = await nodemailer
    .createTransport({ host: '127.0.0.1', port: again.port, ignoreTLS: true })
    .sendMail({ from: 'a@elsewhere.example', to: 'kim@foobar.com', subject: 'after restart', text: 'ok' });
  assert.match(info.response, /^250 /);

  const kim = await db().user.findFirstOrThrow({ where: { local: 'kim' } });
  const rows = await db().message.findMany({
    where: { folder: { userId: kim.id, name: 'INBOX' } },
    orderBy: { uid: 'asc' },
  });
  const stored = new Set<string>();
  for (const row of rows)
    stored.add(
      (await readBlob(row.blobSha256)).toString('utf8').match(/Subject: (crash \d+|after restart)/)![1]!,
    );
  const queued = new Set<string>();
  for (const entry of await db().queueEntry.findMany())
    queued.add((await readBlob(entry.blobSha256)).toString('utf8').match(/Subject: (crash \d+)/)![1]!);
  const missing = acknowledged.filter((n) => !stored.has(`crash ${n}`) && !queued.has(`crash ${n}`));
  assert.deepEqual(missing, [], `acknowledged but lost: ${missing.join(', ')}`);
  assert.deepEqual(
    rows.map((row) => row.uid),
    rows.map((_, index) => index + 1),
    'UIDs 1..N, no reuse, no gap',
  );
});
