// ManageSieve with a real client: Debian's sieve-connect (Perl, Authen::SASL, IO::Socket::SSL)
// does STARTTLS, AUTHENTICATE PLAIN, uploads a script, activates it, lists and downloads it; then
// mail arriving over SMTP (nodemailer to the MX port) is filed by that script, as IMAP (imapflow)
// shows; a script with an error is refused with the compiler's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { startFixture, PASSWORD, type SmtpFixture } from './smtp-fixture';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { startManageSieveServers, type ManageSieveServers } from '../../server/managesieve';
import { db } from '../../server/core/db';
import { sieveStatus } from '../../server/rules';

process.env.POSTROOM_AUTH_PENALTY_MS = '0';

let fixture: SmtpFixture;
let imap: RunningImapServers;
let sieve: ManageSieveServers;
const work = mkdtempSync(join(tmpdir(), 'sieve-connect-'));

before(async () => {
  fixture = await startFixture();
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  sieve = await startManageSieveServers({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await Promise.all([sieve.close(), imap.close()]);
  await fixture.close();
});

/** Runs sieve-connect with the password on fd 3; resolves with its exit code and output. */
function sieveConnect(
  args: string[],
  password = PASSWORD,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sieve-connect',
      [
        '--server',
        '127.0.0.1',
        '--port',
        String(sieve.ports.managesieve),
        '--user',
        'kim@foobar.com',
        '--authmech',
        'PLAIN',
        '--passwordfd',
        '3',
        '--notlsverify',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    (child.stdio[3] as NodeJS.WritableStream).end(`${password}\n`);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const SCRIPT = `require ["fileinto", "mailbox"];
# Reports go to their own folder.
if header :contains "subject" "[report]" {
  fileinto :create "Reports";
}
`;

test('sieve-connect uploads and activates a script that then files mail arriving over SMTP', async () => {
  const local = join(work, 'reports.sieve');
  writeFileSync(local, SCRIPT);
  const upload = await sieveConnect(['--upload', '--localsieve', local, '--remotesieve', 'reports']);
  assert.equal(upload.code, 0, upload.stderr);
  const activate = await sieveConnect(['--activate', '--remotesieve', 'reports']);
  assert.equal(activate.code, 0, activate.stderr);
  const list = await sieveConnect(['--list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /reports\s+<-\s*active|reports.*ACTIVE|reports.*active/i);
  const copy = join(work, 'downloaded.sieve');
  const download = await sieveConnect(['--download', '--remotesieve', 'reports', '--localsieve', copy]);
  assert.equal(download.code, 0, download.stderr);
  assert.equal(readFileSync(copy, 'utf8'), SCRIPT);
  const kim = await db().user.findFirstOrThrow({ where: { local: 'kim' } });
  assert.equal((await sieveStatus(kim.id)).activeScript, 'reports');

  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({
    from: 'monitor@remote.example',
    to: 'kim@foobar.com',
    subject: '[report] nightly',
    text: 'all green',
  });
  await transport.sendMail({
    from: 'friend@remote.example',
    to: 'kim@foobar.com',
    subject: 'lunch?',
    text: 'hi',
  });

  const client = new ImapFlow({
    host: '127.0.0.1',
    port: imap.ports.imaps,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'kim@foobar.com', pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    const subjects = async (folder: string) => {
      await client.mailboxOpen(folder);
      const found: string[] = [];
      for await (const message of client.fetch('1:*', { envelope: true }))
        found.push(message.envelope?.subject ?? '');
      return found;
    };
    assert.deepEqual(await subjects('Reports'), ['[report] nightly']);
    assert.deepEqual(await subjects('INBOX'), ['lunch?']);
  } finally {
    await client.logout();
  }
});

test('sieve-connect: a script that does not compile is refused with its error; a wrong password fails', async () => {
  const local = join(work, 'broken.sieve');
  writeFileSync(local, 'require "fileinto";\nfileinto "x"\n');
  const upload = await sieveConnect(['--upload', '--localsieve', local, '--remotesieve', 'broken']);
  assert.notEqual(upload.code, 0);
  assert.match(upload.stdout + upload.stderr, /NO "line 3, column 1: expected ';'/);
  const list = await sieveConnect(['--list']);
  assert.doesNotMatch(list.stdout, /broken/);
  const wrong = await sieveConnect(['--list'], 'not-the-password');
  assert.notEqual(wrong.code, 0);
});
