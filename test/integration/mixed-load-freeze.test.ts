// The soak bench's freeze on SQLite: the store's raw connection and Prisma's connection both wait
// for SQLite's write lock synchronously, on the main thread. The blob collector held the raw
// connection's write transaction across an async file unlink while logins (failure rows) and the
// event log wrote through Prisma: the Prisma write blocked the event loop, so the unlink could
// never finish, and the process stood still for the whole busy timeout (10 s), then failed the
// write ("Operation has timed out", IMAP NO [SERVERBUG]), and again with the next writer. Here a
// maintenance run collects many files while wrong-password logins (imaplib), deliveries
// (nodemailer) and peers that drop mid-DATA or say nothing run beside it: no stall, no failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import { startFixture, run, type SmtpFixture } from './smtp-fixture';
import { db } from '../../server/core/db';
import { logger } from '../../server/core/logger';
import { maintenanceSettings } from '../../server/core/maintenance-settings';
import { flushEvents } from '../../server/core/events';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { runMaintenance } from '../../server/maintenance';
import { appendMessage, expungeMessages, findDeliveryFolder } from '../../server/store';

const UNREFERENCED_FILES = 120;
// Far below the 10 s busy timeout a frozen process sits out, far above a loaded machine's hiccup.
const STALL_LIMIT_MS = 5_000;
// The traffic stops after this even if maintenance has not finished (it then fails the test).
const TRAFFIC_CAP_MS = 60_000;

let fixture: SmtpFixture;
let imap: RunningImapServers;
let inbox: number;

before(async () => {
  // Every wrong login goes all the way through the throttle's failure reservation, at once.
  process.env.POSTROOM_AUTH_PENALTY_MS = '0';
  process.env.POSTROOM_AUTH_MAX_FAILURES_PER_ACCOUNT_ADDRESS = '100000';
  process.env.POSTROOM_AUTH_MAX_FAILURES_PER_ADDRESS = '100000';
  process.env.POSTROOM_AUTH_MAX_ACCOUNT_FAILURES_PER_MINUTE = '100000';
  fixture = await startFixture();
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  const user = await db().user.findFirstOrThrow({ where: { local: 'kim', domain: 'foobar.com' } });
  inbox = await findDeliveryFolder(user.id);
  const uids: number[] = [];
  for (let index = 0; index < UNREFERENCED_FILES; index++) {
    const content = Buffer.from(`Subject: old ${index}\r\n\r\nexpunged long ago ${index}\r\n`);
    const [stored] = await appendMessage(content, [{ folderId: inbox }]);
    uids.push(stored!.uid);
  }
  await expungeMessages(inbox, uids);
});

after(async () => {
  await imap?.close();
  await fixture?.close();
});

// Logs in with a wrong password on a fresh connection each time, argv[2] times; prints each answer.
const WRONG_LOGINS = `
import imaplib, ssl, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
for _ in range(count):
    conn = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ssl._create_unverified_context(), timeout=60)
    try:
        conn.login('kim@foobar.com', 'wrong-password')
        print('OK', flush=True)
    except imaplib.IMAP4.error as error:
        print('NO ' + str(error), flush=True)
    try:
        conn.logout()
    except Exception:
        pass
`;

/** Milliseconds from connect to the whole 220 greeting line. */
async function greetingTime(port: number): Promise<number> {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let text = '';
  try {
    while (!/^220 .*\r\n/m.test(text)) {
      const [chunk] = (await once(socket, 'data')) as [string];
      text += chunk;
    }
    return Date.now() - started;
  } finally {
    socket.destroy();
  }
}

/** A peer that starts a message and hangs up halfway through DATA. */
async function dropMidData(port: number): Promise<void> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let text = '';
  const expect = async (code: string) => {
    while (!new RegExp(`^${code} .*\\r\\n`, 'm').test(text)) {
      const [chunk] = (await once(socket, 'data')) as [string];
      text += chunk;
    }
    text = '';
  };
  try {
    await expect('220');
    socket.write('EHLO dropper.example\r\n');
    await expect('250');
    socket.write('MAIL FROM:<someone@elsewhere.example>\r\n');
    await expect('250');
    socket.write('RCPT TO:<kim@foobar.com>\r\n');
    await expect('250');
    socket.write('DATA\r\n');
    await expect('354');
    socket.write('Subject: cut short\r\n\r\nthe first half and then noth');
    await sleep(20);
  } finally {
    socket.destroy();
  }
}

test('a maintenance run under mixed SMTP/IMAP load never freezes the process (SQLite write lock)', async () => {
  // A client hanging up mid-DATA is the client's doing: an info line, not an error with a stack.
  const logged: { level: string; msg: string; fields: Record<string, unknown> | undefined }[] = [];
  const { info, error } = logger;
  logger.info = (msg, fields) => void logged.push({ level: 'info', msg, fields });
  logger.error = (msg, fields) => void logged.push({ level: 'error', msg, fields });
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const started = Date.now();
  const settings = { ...maintenanceSettings(), orphanGraceMs: 60 * 60_000 };
  let maintenanceDone = false;
  const maintenance = runMaintenance(settings).finally(() => {
    maintenanceDone = true;
  });
  const trafficOn = () => !maintenanceDone && Date.now() - started < TRAFFIC_CAP_MS;

  const logins: string[] = [];
  const loginLoop = async () => {
    while (trafficOn()) {
      const result = await run('python3', ['-c', WRONG_LOGINS, String(imap.ports.imaps), '5']);
      logins.push(...result.stdout.trim().split('\n').filter(Boolean));
      if (result.code !== 0) logins.push(`exit ${result.code}: ${result.stderr.trim().slice(-300)}`);
    }
  };

  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
    tls: { rejectUnauthorized: false },
  });
  let delivered = 0;
  const deliveryLoop = async (worker: number) => {
    for (let index = 0; trafficOn(); index++) {
      const info = await transport.sendMail({
        from: 'sender@elsewhere.example',
        to: 'kim@foobar.com',
        subject: `load ${worker}.${index}`,
        text: `message ${worker}.${index}\n`,
      });
      assert.match(info.response, /^250 /);
      delivered++;
    }
  };

  const greetings: number[] = [];
  let drops = 0;
  const misbehavingLoop = async () => {
    // A peer that connects and never says a word stays open the whole time beside the others.
    const silent = connect(fixture.smtp.ports.smtp, '127.0.0.1');
    silent.on('error', () => {});
    try {
      while (trafficOn()) {
        greetings.push(await greetingTime(fixture.smtp.ports.smtp));
        await dropMidData(fixture.smtp.ports.smtp);
        drops++;
      }
    } finally {
      silent.destroy();
    }
  };

  await Promise.all([
    loginLoop(),
    loginLoop(),
    deliveryLoop(1),
    deliveryLoop(2),
    misbehavingLoop(),
    Promise.race([maintenance, sleep(TRAFFIC_CAP_MS)]),
  ]);
  loopDelay.disable();
  transport.close();
  logger.info = info;
  logger.error = error;

  assert.ok(maintenanceDone, `maintenance still running after ${TRAFFIC_CAP_MS} ms`);
  const report = await maintenance;
  assert.equal(report.blobsRemoved, UNREFERENCED_FILES);
  const longestStallMs = Math.round(loopDelay.max / 1e6);
  assert.ok(longestStallMs < STALL_LIMIT_MS, `the event loop stood still for ${longestStallMs} ms`);
  assert.ok(greetings.length > 0 && drops > 0 && delivered > 0, 'every kind of traffic ran');
  assert.ok(Math.max(...greetings) < STALL_LIMIT_MS, `a greeting took ${Math.max(...greetings)} ms`);
  assert.ok(logins.length > 0);
  for (const answer of logins) assert.match(answer, /^NO .*AUTHENTICATIONFAILED/, answer);
  // Every failed login was written down, none lost to a timed-out write.
  await flushEvents();
  const failures = await db().authFailure.count({ where: { key: { startsWith: 'acct:' } } });
  assert.equal(failures, logins.length);
  assert.deepEqual(
    logged.filter((line) => line.level === 'error'),
    [],
    'nothing logged as an error',
  );
  const gone = logged.filter((line) => line.msg === 'smtp client left during DATA');
  assert.ok(gone.length > 0, 'the mid-DATA hang-ups are logged');
  assert.ok(
    gone.every((line) => !String(line.fields?.reason).includes('\n    at ')),
    'without a stack',
  );
});
