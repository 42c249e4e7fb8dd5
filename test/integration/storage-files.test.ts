// Files are private and full disks are handled: the data directory is tightened at worker start
// (0700/0600) and new files are born private; a failed blob write leaves no temporary file and
// stale ones are swept; below the free-space watermark SMTP answers 452 4.3.1 (MAIL FROM and DATA)
// and IMAP APPEND NO [UNAVAILABLE], and mail flows again once space returns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, PASSWORD, type SmtpFixture } from './smtp-fixture';
import { RawClient } from './imap-support';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { restrictNewFileModes } from '../../server/core/data-dir';
import { parseMinFreeDisk, watermarkBytes } from '../../server/core/disk-space';
import { blobPath, sweepStaleTempFiles, writeBlob } from '../../server/store/blobs';

let fixture: SmtpFixture;
let imap: RunningImapServers;

before(async () => {
  fixture = await startFixture();
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
});
after(async () => {
  delete process.env.POSTROOM_MIN_FREE_DISK;
  await imap.close();
  await fixture.close();
});

const mode = (path: string) => statSync(path).mode & 0o777;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? [join(dir, entry.name), ...walk(join(dir, entry.name))] : [join(dir, entry.name)],
  );
}

test('the worker tightens what an older version left open and creates everything private', async () => {
  const dataDir = fixture.database.dataDir;
  // Leftovers as an older version made them: 0755 directories, 0644 files (the SQLite database
  // itself was just created by the test's migration under umask 022).
  mkdirSync(join(dataDir, 'blobs', 'ab', 'cd'), { recursive: true, mode: 0o755 });
  const oldBlob = join(dataDir, 'blobs', 'ab', 'cd', 'ab'.padEnd(64, '0'));
  writeFileSync(oldBlob, 'old mail', { mode: 0o644 });
  chmodSync(oldBlob, 0o644);
  chmodSync(dataDir, 0o755);
  for (const dir of [
    join(dataDir, 'blobs'),
    join(dataDir, 'blobs', 'ab'),
    join(dataDir, 'blobs', 'ab', 'cd'),
  ])
    chmodSync(dir, 0o755);
  const worker = spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], {
    env: {
      ...process.env,
      POSTROOM_LOG: '',
      POSTROOM_SMTP_PORT: '0',
      POSTROOM_SUBMISSION_PORT: '0',
      POSTROOM_SMTPS_PORT: '0',
      POSTROOM_IMAP_PORT: '0',
      POSTROOM_IMAPS_PORT: '0',
      POSTROOM_POP3_PORT: '0',
      POSTROOM_POP3S_PORT: '0',
      POSTROOM_MANAGESIEVE_PORT: '0',
      POSTROOM_MAINTENANCE_INTERVAL_SECONDS: '3600',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no permissions log line within 60 s')), 60_000);
      createInterface({ input: worker.stdout! }).on('line', (text) => {
        const entry = JSON.parse(text) as Record<string, unknown>;
        if (entry.msg === 'data directory permissions checked') {
          clearTimeout(timer);
          resolve(entry);
        }
      });
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
    assert.ok(Number(line.tightened) >= 5, `tightened ${line.tightened}`);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
  // Everything there now, old or made by the worker (TLS certificate and key, SQLite WAL), is private.
  assert.equal(mode(dataDir), 0o700);
  for (const path of walk(dataDir)) {
    const stat = statSync(path);
    assert.equal(stat.mode & 0o077, 0, `${path} is ${(stat.mode & 0o777).toString(8)}`);
  }
  assert.equal(mode(oldBlob), 0o600);
  if (!fixture.database.url) assert.equal(mode(join(dataDir, 'postroom.db')), 0o600);
});

test('new blobs are 0600 in 0700 directories under the private umask', async () => {
  const before = process.umask();
  restrictNewFileModes();
  try {
    const hash = await writeBlob(Buffer.from(`private ${Date.now()}\r\n`));
    const path = blobPath(hash);
    assert.equal(mode(path), 0o600);
    assert.equal(mode(join(path, '..')), 0o700);
    assert.equal(mode(join(path, '..', '..')), 0o700);
  } finally {
    process.umask(before);
  }
});

test('a blob write that fails for lack of space leaves no temporary file behind', async (t) => {
  const small = join(fixture.database.dataDir, 'small-disk');
  mkdirSync(small);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]).status !== 0)
    return t.skip('cannot mount a tmpfs here');
  try {
    for (let i = 0; i < 3; i++)
      await assert.rejects(writeBlob(Buffer.alloc(3 * 1024 * 1024, 65 + i), small), { code: 'ENOSPC' });
    const left = walk(small).filter((path) => path.endsWith('.tmp'));
    assert.deepEqual(left, []);
    // The space is really free again: a message that fits is stored.
    const hash = await writeBlob(Buffer.alloc(1024 * 1024, 66), small);
    assert.equal(statSync(blobPath(hash, small)).size, 1024 * 1024);
  } finally {
    spawnSync('umount', [small]);
  }
});

test('stale temporary files are swept at start; young ones (another writer) stay', async () => {
  const dir = join(fixture.database.dataDir, 'blobs', 'ee', 'ff');
  mkdirSync(dir, { recursive: true });
  const stale = join(dir, `${'e'.repeat(64)}.123.abc.tmp`);
  const young = join(dir, `${'f'.repeat(64)}.456.def.tmp`);
  writeFileSync(stale, 'partial');
  writeFileSync(young, 'partial');
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(stale, hourAgo, hourAgo);
  assert.equal(await sweepStaleTempFiles(10 * 60_000), 1);
  assert.deepEqual(readdirSync(dir), [young.split('/').pop()]);
});

test('the watermark: sizes, shares and the default (1 GiB or 5 %, the smaller)', () => {
  assert.equal(watermarkBytes(parseMinFreeDisk('1G'), 1e12), 1024 ** 3);
  assert.equal(watermarkBytes(parseMinFreeDisk('500M'), 1e12), 500 * 1024 ** 2);
  assert.equal(watermarkBytes(parseMinFreeDisk('5%'), 1000), 50);
  assert.equal(watermarkBytes(parseMinFreeDisk(''), 1000), 50);
  assert.equal(watermarkBytes(parseMinFreeDisk(undefined), 1e13), 1024 ** 3);
  assert.throws(() => parseMinFreeDisk('lots'));
  assert.throws(() => parseMinFreeDisk('120%'));
});

/** A raw SMTP conversation: sends each line and collects the reply to it. */
async function smtpConversation(port: number, steps: (string | (() => void))[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const wake: (() => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (const resolve of wake.splice(0)) resolve();
  });
  const reply = async () => {
    for (;;) {
      const match = /^(\d{3}) [^\r\n]*\r\n/m.exec(buffer);
      if (match) {
        const text = buffer.slice(0, match.index + match[0].length);
        buffer = buffer.slice(match.index + match[0].length);
        return text.trim().split('\r\n').pop()!;
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no SMTP reply; have ${buffer}`)), 10_000);
        wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  const replies = [await reply()];
  for (const step of steps) {
    if (typeof step === 'function') {
      step();
      continue;
    }
    socket.write(`${step}\r\n`);
    replies.push(await reply());
  }
  socket.destroy();
  return replies;
}

test('below the watermark SMTP refuses at MAIL FROM and at DATA with 452 4.3.1, then recovers', async () => {
  const port = fixture.smtp.ports.smtp!;
  process.env.POSTROOM_MIN_FREE_DISK = '100%';
  const refused = await smtpConversation(port, [
    'EHLO client.example',
    'MAIL FROM:<a@remote.example>',
    'QUIT',
  ]);
  assert.match(refused[2]!, /^452 4\.3\.1 Insufficient system storage/);

  // Space runs out between RCPT and the end of DATA: refused after the data, nothing stored.
  delete process.env.POSTROOM_MIN_FREE_DISK;
  const before = (await mailboxMessages('kim@foobar.com')).length;
  const atData = await smtpConversation(port, [
    'EHLO client.example',
    'MAIL FROM:<a@remote.example>',
    'RCPT TO:<kim@foobar.com>',
    'DATA',
    () => (process.env.POSTROOM_MIN_FREE_DISK = '100%'),
    'Subject: late\r\n\r\nbody\r\n.',
    'QUIT',
  ]);
  assert.match(atData[3]!, /^250/);
  assert.match(atData[4]!, /^354/);
  assert.match(atData[5]!, /^452 4\.3\.1 /);
  assert.equal((await mailboxMessages('kim@foobar.com')).length, before);

  // Space is back: the same client gets through (nodemailer, a real submission client).
  delete process.env.POSTROOM_MIN_FREE_DISK;
  await nodemailer
    .createTransport({
      host: '127.0.0.1',
      port: fixture.smtp.ports.smtps,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'kim@foobar.com', pass: PASSWORD },
    })
    .sendMail({ from: 'kim@foobar.com', to: 'lee@foobar.com', subject: 'space is back', text: 'hi' });
  assert.equal((await mailboxMessages('kim@foobar.com')).length, before);
  assert.ok((await mailboxMessages('lee@foobar.com')).some((raw) => raw.includes('space is back')));
});

test('below the watermark IMAP APPEND answers NO [UNAVAILABLE], then works again', async () => {
  const client = await RawClient.tls(imap.ports.imaps!);
  try {
    assert.match(await client.command('a1', `LOGIN kim@foobar.com ${PASSWORD}`), /^a1 OK/m);
    const message = 'Subject: draft\r\n\r\nhello\r\n';
    process.env.POSTROOM_MIN_FREE_DISK = '100%';
    assert.match(
      await client.command('a2', `APPEND INBOX {${message.length}+}\r\n${message}`),
      /^a2 NO \[UNAVAILABLE\] /m,
    );
    delete process.env.POSTROOM_MIN_FREE_DISK;
    assert.match(
      await client.command('a3', `APPEND INBOX {${message.length}+}\r\n${message}`),
      /^a3 OK \[APPENDUID /m,
    );
  } finally {
    client.close();
  }
});

test('a disk that fills before the watermark says so: 452 4.3.1 at DATA, NO [UNAVAILABLE] on APPEND, no temp files', async (t) => {
  // The message store on a 1 MiB tmpfs (the database stays where it is): larger messages hit ENOSPC.
  const blobs = join(fixture.database.dataDir, 'blobs');
  mkdirSync(blobs, { recursive: true });
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', blobs]).status !== 0)
    return t.skip('cannot mount a tmpfs here');
  try {
    const big = `Subject: big\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(20_000);
    const replies = await smtpConversation(fixture.smtp.ports.smtp!, [
      'EHLO client.example',
      'MAIL FROM:<a@remote.example>',
      'RCPT TO:<kim@foobar.com>',
      'DATA',
      `${big}.`,
      'QUIT',
    ]);
    assert.match(replies[5]!, /^452 4\.3\.1 Insufficient system storage/);
    const client = await RawClient.tls(imap.ports.imaps!);
    try {
      assert.match(await client.command('a1', `LOGIN kim@foobar.com ${PASSWORD}`), /^a1 OK/m);
      assert.match(
        await client.command('a2', `APPEND INBOX {${big.length}+}\r\n${big}`),
        /^a2 NO \[UNAVAILABLE\] /m,
      );
      assert.match(await client.command('a3', 'NOOP'), /^a3 OK/m, 'the session goes on');
    } finally {
      client.close();
    }
    assert.deepEqual(
      walk(blobs).filter((path) => path.endsWith('.tmp')),
      [],
    );
  } finally {
    spawnSync('umount', [blobs]);
  }
});
