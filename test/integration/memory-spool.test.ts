// Memory stays bounded whatever clients send: a 40 MiB message over SMTP and over IMAP APPEND goes
// to disk as it arrives (store/spool.ts), is stored byte-exact, and the worker's RSS rises far less
// than the message; with a small POSTROOM_MAX_INFLIGHT_BYTES, concurrent messages larger than the
// budget all get through (no deadlock); a client that drops mid-DATA or mid-literal leaves no spool
// file and no message. The real worker runs as a child process (bench/support/postroom.ts) and
// its RSS is read from /proc.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { createTestDatabase, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { startWorker, type RunningWorker } from '../../bench/support/postroom';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const PASSWORD = 'Correct-horse-9-battery';
const DOMAIN = 'spool.example';

let database: TestDatabase;
const workers: RunningWorker[] = [];

before(async () => {
  database = await createTestDatabase();
  await addDomain(DOMAIN);
  for (const local of ['big', 'budget', 'drop'])
    await addMailbox({ address: `${local}@${DOMAIN}`, password: PASSWORD });
});

after(async () => {
  for (const worker of workers) await worker.stop();
  await database?.cleanup();
});

async function worker(extra: Record<string, string> = {}): Promise<RunningWorker> {
  const env: Record<string, string> = {
    POSTROOM_DATA_DIR: database.dataDir,
    POSTROOM_WORKERS: '1',
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_WORKER_METRICS_PORT: '0',
    ...extra,
  };
  if (database.url) env.DATABASE_URL = database.url;
  const started = await startWorker(
    { provider: TEST_PROVIDER, env: env as NodeJS.ProcessEnv, cleanup: async () => {} },
    env as NodeJS.ProcessEnv,
  );
  workers.push(started);
  return started;
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Samples the process's RSS every 20 ms until stopped; returns the highest seen. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

/** A CRLF message of about `size` bytes with a base64-looking body, distinct per `seed`. */
function bigMessage(to: string, size: number, seed: string): Buffer {
  const header = `From: sender@elsewhere.example\r\nTo: ${to}\r\nSubject: big ${seed}\r\nMessage-ID: <${seed}@elsewhere.example>\r\nContent-Type: text/plain\r\n\r\n`;
  const line = `${createHash('sha256').update(seed).digest('base64').replace(/[+/=]/g, 'x').repeat(2).slice(0, 76)}\r\n`;
  return Buffer.from(header + line.repeat(Math.ceil(size / line.length)));
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function smtpTransport(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, socketTimeout: 300_000 });
}

const PYTHON_APPEND = `
import imaplib, sys
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
M.login(sys.argv[2], sys.argv[3])
typ, resp = M.append('INBOX', None, None, open(sys.argv[4], 'rb').read())
print(typ, resp[0].decode())
M.logout()
`;

const PYTHON_FETCH_HASHES = `
import imaplib, sys, hashlib
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
M.login(sys.argv[2], sys.argv[3])
M.select('INBOX', readonly=True)
typ, data = M.uid('SEARCH', None, 'ALL')
for uid in data[0].split():
    typ, parts = M.uid('FETCH', uid, '(BODY.PEEK[])')
    body = parts[0][1]
    tail = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    print(hashlib.sha256(body).hexdigest(), hashlib.sha256(body[-tail:] if tail else body).hexdigest(), len(body))
M.logout()
`;

async function imapAppend(port: number, user: string, path: string): Promise<string> {
  const { stdout } = await run('python3', ['-c', PYTHON_APPEND, String(port), user, PASSWORD, path], {
    timeout: 300_000,
  });
  return stdout.trim();
}

/** For each message in the INBOX: sha256 of BODY[], of its last `tail` bytes, and its size. */
async function fetchHashes(
  port: number,
  user: string,
  tail = 0,
): Promise<{ whole: string; tail: string; size: number }[]> {
  const { stdout } = await run(
    'python3',
    ['-c', PYTHON_FETCH_HASHES, String(port), user, PASSWORD, String(tail)],
    { timeout: 300_000, maxBuffer: 16 * MiB },
  );
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [whole, last, size] = line.split(' ');
      return { whole: whole!, tail: last!, size: Number(size) };
    });
}

function spoolFiles(): string[] {
  const dir = join(database.dataDir, 'blobs', 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function messagesOf(address: string): Promise<number> {
  const [local, domain] = address.split('@');
  return db().message.count({ where: { folder: { user: { local, domain } } } });
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a 40 MiB message over SMTP and over APPEND: stored byte-exact, RSS rises far less than its size', {
  timeout: 600_000,
}, async () => {
  const running = await worker();
  const address = `big@${DOMAIN}`;
  const transport = smtpTransport(running.ports.smtp);
  // Warm up (lazy modules, first database connections) so the baseline is a working worker.
  await transport.sendMail({
    envelope: { from: 'w@elsewhere.example', to: address },
    raw: bigMessage(address, 4096, 'warm'),
  });
  const small = join(database.dataDir, 'warm.eml');
  writeFileSync(small, bigMessage(address, 2 * MiB, 'warm-append'));
  assert.match(await imapAppend(running.ports.imap, address, small), /^OK/);

  const smtpMessage = bigMessage(address, 40 * MiB, 'smtp-40');
  let baseline = rssBytes(running.pid);
  let sampler = sampleRss(running.pid);
  const info = await transport.sendMail({
    envelope: { from: 's@elsewhere.example', to: address },
    raw: smtpMessage,
  });
  const smtpRise = sampler.stop() - baseline;
  assert.match(info.response, /^250 /);
  transport.close();

  const appendPath = join(database.dataDir, 'append.eml');
  const appendMessage = bigMessage(address, 40 * MiB, 'append-40');
  writeFileSync(appendPath, appendMessage);
  baseline = rssBytes(running.pid);
  sampler = sampleRss(running.pid);
  assert.match(await imapAppend(running.ports.imap, address, appendPath), /^OK \[APPENDUID/);
  const appendRise = sampler.stop() - baseline;

  const stored = await fetchHashes(running.ports.imap, address, smtpMessage.length);
  // The SMTP copy is our trace headers followed by exactly what was sent.
  const viaSmtp = stored.find((row) => row.size > smtpMessage.length && row.tail === sha256(smtpMessage));
  assert.ok(viaSmtp, 'the SMTP message came back with its bytes unchanged after the trace headers');
  assert.ok(
    stored.some((row) => row.whole === sha256(appendMessage)),
    'the APPENDed message came back byte-exact',
  );
  assert.deepEqual(spoolFiles(), [], 'no spool file is left behind');
  console.log(
    `RSS rise: SMTP ${(smtpRise / MiB).toFixed(1)} MiB, APPEND ${(appendRise / MiB).toFixed(1)} MiB`,
  );
  assert.ok(smtpRise < 100 * MiB, `SMTP raised RSS by ${(smtpRise / MiB).toFixed(1)} MiB`);
  assert.ok(appendRise < 100 * MiB, `APPEND raised RSS by ${(appendRise / MiB).toFixed(1)} MiB`);
  await running.stop();
});

test('an 8 MiB in-flight budget: three concurrent 10 MiB messages over SMTP and three over APPEND all get through', {
  timeout: 600_000,
}, async () => {
  const running = await worker({ POSTROOM_MAX_INFLIGHT_BYTES: String(8 * MiB) });
  const address = `budget@${DOMAIN}`;
  const baseline = rssBytes(running.pid);
  const sampler = sampleRss(running.pid);
  const smtp = [1, 2, 3].map((n) => bigMessage(address, 10 * MiB, `budget-smtp-${n}`));
  const appends = [1, 2, 3].map((n) => {
    const message = bigMessage(address, 10 * MiB, `budget-append-${n}`);
    const path = join(database.dataDir, `budget-${n}.eml`);
    writeFileSync(path, message);
    return { message, path };
  });
  const results = await Promise.all([
    ...smtp.map((raw) => {
      const transport = smtpTransport(running.ports.smtp);
      return transport
        .sendMail({ envelope: { from: 's@elsewhere.example', to: address }, raw })
        .then((info) => (transport.close(), info.response));
    }),
    ...appends.map(({ path }) => imapAppend(running.ports.imap, address, path)),
  ]);
  const rise = sampler.stop() - baseline;
  for (const result of results.slice(0, 3)) assert.match(result, /^250 /);
  for (const result of results.slice(3)) assert.match(result, /^OK \[APPENDUID/);
  const stored = await fetchHashes(running.ports.imap, address, 10 * MiB);
  assert.equal(stored.length, 6);
  for (const { message } of appends) assert.ok(stored.some((row) => row.whole === sha256(message)));
  for (const raw of smtp)
    assert.ok(stored.some((row) => row.tail === sha256(raw.subarray(raw.length - 10 * MiB))));
  console.log(`RSS rise with six concurrent 10 MiB messages: ${(rise / MiB).toFixed(1)} MiB`);
  assert.ok(rise < 100 * MiB, `RSS rose by ${(rise / MiB).toFixed(1)} MiB`);
  assert.deepEqual(spoolFiles(), []);
  await running.stop();
});

function lines(socket: Socket): { next(pattern: RegExp): Promise<string> } {
  let buffered = '';
  const waiters: { pattern: RegExp; resolve(line: string): void }[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(buffered);
      if (match) {
        buffered = buffered.slice(match.index + match[0].length);
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match[0]);
      }
    }
  });
  return {
    next(pattern) {
      const match = pattern.exec(buffered);
      if (match) {
        buffered = buffered.slice(match.index + match[0].length);
        return Promise.resolve(match[0]);
      }
      return new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}

function send(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

test('a client that drops mid-DATA or mid-literal leaves no spool file and nothing stored', {
  timeout: 300_000,
}, async () => {
  const running = await worker();
  const address = `drop@${DOMAIN}`;
  const chunk = Buffer.from(`${'y'.repeat(998)}\r\n`.repeat(1024)); // 1000 KiB

  const smtp = connect(running.ports.smtp, '127.0.0.1');
  const smtpLines = lines(smtp);
  await smtpLines.next(/^220 .*\r\n/m);
  for (const [command, reply] of [
    ['EHLO dropper.example', /^250 .*\r\n/m],
    ['MAIL FROM:<d@elsewhere.example>', /^250 .*\r\n/m],
    [`RCPT TO:<${address}>`, /^250 .*\r\n/m],
    ['DATA', /^354 .*\r\n/m],
  ] as const) {
    await send(smtp, `${command}\r\n`);
    await smtpLines.next(reply);
  }
  await send(smtp, `Subject: dropped\r\n\r\n`);
  for (let i = 0; i < 5; i++) await send(smtp, chunk);
  await until('the DATA spool file', () => spoolFiles().length === 1);
  smtp.destroy();
  await until('the DATA spool file to go', () => spoolFiles().length === 0);

  const imap = connect(running.ports.imap, '127.0.0.1');
  const imapLines = lines(imap);
  await imapLines.next(/^\* OK .*\r\n/m);
  await send(imap, `a LOGIN ${address} ${PASSWORD}\r\n`);
  await imapLines.next(/^a OK .*\r\n/m);
  await send(imap, `b APPEND INBOX {${10 * MiB}}\r\n`);
  await imapLines.next(/^\+ .*\r\n/m);
  for (let i = 0; i < 5; i++) await send(imap, chunk);
  await until('the literal spool file', () => spoolFiles().length === 1);
  imap.destroy();
  await until('the literal spool file to go', () => spoolFiles().length === 0);

  assert.equal(await messagesOf(address), 0);
  await running.stop();
});
