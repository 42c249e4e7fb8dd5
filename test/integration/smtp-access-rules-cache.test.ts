// Access rules are read for each SMTP connection from plain SQL with change detection
// (policy/evaluate.ts loadAccessRules): a rule added, edited, moved or removed in another process
// (the console, the CLI; here this test process) decides the next connection of a running worker
// process, and mail between the changes keeps flowing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { tcpPeer } from '../helpers/misbehaving-peers';
import {
  addDomain,
  addMailbox,
  addAccessRule,
  updateAccessRule,
  moveAccessRule,
  removeAccessRule,
} from '../../server/domain';
import { run } from './smtp-fixture';

let database: TestDatabase;
let worker: ChildProcess | undefined;
let port = 0;

before(async () => {
  database = await createTestDatabase();
  await addDomain('foobar.com');
  await addMailbox({ address: 'kim@foobar.com', password: 'Correct-Horse-Battery-9' });
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
  port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { ports: { smtp: number } }).ports.smtp),
    );
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
});

after(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null)
    await new Promise((resolve) => (worker!.once('exit', resolve), worker!.kill('SIGTERM')));
  await database?.cleanup();
});

/** The greeting of a fresh connection (raw socket), then QUIT. */
async function greeting(): Promise<string> {
  const peer = await tcpPeer(port);
  const match = await peer.waitFor(/^(\d{3})[ -].*\r\n/m, 60_000);
  peer.write('QUIT\r\n');
  await peer.closedWithin(30_000);
  return match[0].trim();
}

/** One message over a fresh connection with smtplib; the reply codes of MAIL and RCPT. */
async function deliver(sender: string): Promise<string> {
  const script = `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=60)
s.ehlo('client.example')
mail = s.mail(sys.argv[2])[0]
rcpt = s.rcpt('kim@foobar.com')[0] if mail == 250 else 0
print(mail, rcpt)
s.quit()
`;
  const result = await run('python3', ['-c', script, String(port), sender]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

test('a connect rule added in another process refuses the next connection; edited, moved and removed, it stops', async () => {
  assert.match(await greeting(), /^220 /);
  const deny = await addAccessRule({ pattern: '127.0.0.1', action: 'REJECT', scope: 'connect' });
  assert.match(await greeting(), /^554 /);
  // Edited in place (same id): an OK now.
  await updateAccessRule(deny.id, { pattern: '127.0.0.1', action: 'OK', scope: 'connect' });
  assert.match(await greeting(), /^220 /);
  // A REJECT for the network placed after the OK does not decide; moved first, it does.
  const network = await addAccessRule({ pattern: '127.0.0.0/8', action: 'REJECT', scope: 'connect' });
  assert.match(await greeting(), /^220 /);
  await moveAccessRule(network.id, 'up');
  assert.match(await greeting(), /^554 /);
  await removeAccessRule(network.id);
  await removeAccessRule(deny.id);
  assert.match(await greeting(), /^220 /);
});

test('a sender rule added in another process decides the next MAIL FROM', async () => {
  assert.equal(await deliver('someone@junk.example'), '250 250');
  const rule = await addAccessRule({ pattern: '@junk.example', action: 'REJECT', scope: 'sender' });
  assert.equal(await deliver('someone@junk.example'), '550 0');
  assert.equal(await deliver('someone@fine.example'), '250 250');
  await removeAccessRule(rule.id);
  assert.equal(await deliver('someone@junk.example'), '250 250');
});
