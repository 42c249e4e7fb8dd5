// The optional scanners, each with the real thing: clamd (a one-signature database holding the
// EICAR test string) over INSTREAM, rspamd over HTTP (GTUBE test patterns), and a DNSBL zone
// answered by the test resolver. Skipped when the Debian packages are not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, run, type SmtpFixture } from './smtp-fixture';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { freePort } from '../helpers/free-port';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
// rspamd's test pattern for the "add header" action (enable_test_patterns).
const GTUBE_ADD_HEADER = 'YJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const available = existsSync('/usr/sbin/clamd') && existsSync('/usr/bin/rspamd');

let dir: string;
let fixture: SmtpFixture;
let scanning: RunningSmtpServers;
let listed: RunningSmtpServers;
const children: ChildProcess[] = [];
// Chosen at start (helpers/free-port.ts), not from the pid: another lane's server may hold that one.
let rspamdPort = 0;
// On a loaded CI machine (six lanes on two cores) rspamd took over a minute to listen once.
const START_TIMEOUT_MS = 150_000;

function waitFor(what: string, check: () => Promise<boolean>, log: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const poll = async () => {
      if (await check().catch(() => false)) return resolve();
      if (Date.now() > deadline) {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '(no log)';
        return reject(new Error(`${what} did not come up in ${START_TIMEOUT_MS / 1000} s; its log: ${tail}`));
      }
      setTimeout(poll, 200);
    };
    void poll();
  });
}

const canConnect = (options: { path: string } | { port: number; host: string }) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(options as never, () => (socket.end(), resolve(true)));
    socket.on('error', () => resolve(false));
  });

async function startClamd(): Promise<string> {
  mkdirSync(join(dir, 'clamdb'));
  writeFileSync(
    join(dir, 'clamdb', 'eicar.ndb'),
    `Postroom-Test-EICAR:0:*:${Buffer.from(EICAR).toString('hex')}\n`,
  );
  const socket = join(dir, 'clamd.sock');
  writeFileSync(
    join(dir, 'clamd.conf'),
    `LocalSocket ${socket}\nDatabaseDirectory ${join(dir, 'clamdb')}\nForeground yes\nLogFile ${join(dir, 'clamd.log')}\nTemporaryDirectory ${dir}\nScanMail yes\n`,
  );
  children.push(spawn('clamd', ['-c', join(dir, 'clamd.conf')], { stdio: 'ignore' }));
  await waitFor('clamd', () => canConnect({ path: socket }), join(dir, 'clamd.log'));
  return socket;
}

async function startRspamd(): Promise<string> {
  rspamdPort = await freePort();
  const local = join(dir, 'rspamd');
  mkdirSync(join(local, 'override.d'), { recursive: true });
  mkdirSync(join(local, 'local.d'), { recursive: true });
  writeFileSync(
    join(local, 'override.d', 'worker-normal.inc'),
    `bind_socket = "127.0.0.1:${rspamdPort}";\ncount = 1;\n`,
  );
  writeFileSync(
    join(local, 'override.d', 'worker-controller.inc'),
    `bind_socket = "127.0.0.1:${await freePort()}";\ncount = 1;\n`,
  );
  writeFileSync(join(local, 'override.d', 'worker-proxy.inc'), 'enabled = false;\ncount = 0;\n');
  writeFileSync(
    join(local, 'override.d', 'logging.inc'),
    `type = "file";\nfilename = "${join(dir, 'rspamd.log')}";\nlevel = "error";\n`,
  );
  // No network in tests: point rspamd's own DNS at nothing, with short timeouts.
  writeFileSync(
    join(local, 'local.d', 'options.inc'),
    // Without Hyperscan: compiling its regexp databases is most of rspamd's start-up CPU.
    'enable_test_patterns = true;\ndisable_hyperscan = true;\ndns { nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 1; }\n',
  );
  const vars = [
    `--var=LOCAL_CONFDIR=${local}`,
    `--var=DBDIR=${dir}`,
    `--var=RUNDIR=${dir}`,
    `--var=LOGDIR=${dir}`,
  ];
  children.push(
    spawn('rspamd', ['-f', '-u', 'root', '-g', 'root', '-c', '/etc/rspamd/rspamd.conf', ...vars], {
      stdio: 'ignore',
    }),
  );
  await waitFor('rspamd', () => canConnect({ port: rspamdPort, host: '127.0.0.1' }), join(dir, 'rspamd.log'));
  return `http://127.0.0.1:${rspamdPort}`;
}

before(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'postroom-scan-'));
  const [clamd, rspamdUrl] = await Promise.all([startClamd(), startRspamd()]);
  fixture = await startFixture();
  setDnsResolver(staticResolver({ '1.0.0.127.bl.test': { A: ['127.0.0.2'] } }));
  scanning = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false, clamd, rspamdUrl },
  });
  listed = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false, dnsblZones: ['bl.test'] },
  });
});
after(async () => {
  if (!available) return;
  await Promise.all([scanning?.close(), listed?.close()]);
  await fixture?.close();
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) =>
          child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM')),
        ),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

const send = (text: string, subject: string, attachments: { filename: string; content: string }[] = []) =>
  nodemailer
    .createTransport({ host: '127.0.0.1', port: scanning.ports.smtp, ignoreTLS: true })
    .sendMail({ from: 'someone@elsewhere.example', to: 'kim@foobar.com', subject, text, attachments });

test('clamd: a message carrying EICAR is refused with 554 5.7.0; a clean one is delivered', {
  skip: !available && 'clamd/rspamd not installed',
}, async () => {
  await assert.rejects(
    send('see attached', 'virus', [{ filename: 'eicar.com', content: EICAR }]),
    (error: { response?: string }) => /^554 5\.7\.0 .*Postroom-Test-EICAR/.test(error.response ?? ''),
  );
  await send('hello, nothing bad here', 'clean');
  const inbox = await mailboxMessages('kim@foobar.com');
  assert.ok(inbox.some((m) => m.includes('Subject: clean') && /X-Spam-Action: no action/.test(m)));
  assert.ok(!inbox.some((m) => m.includes('Subject: virus')));
});

test('rspamd: GTUBE is rejected (550 5.7.1), the add-header GTUBE goes to Junk with X-Spam headers', {
  skip: !available && 'clamd/rspamd not installed',
}, async () => {
  await assert.rejects(send(GTUBE, 'spam'), (error: { response?: string }) =>
    /^550 5\.7\.1 Message rejected as spam/.test(error.response ?? ''),
  );
  await send(GTUBE_ADD_HEADER, 'maybe spam');
  const junk = await mailboxMessages('kim@foobar.com', 'Junk');
  assert.match(junk.at(-1) ?? '', /X-Spam: Yes[\s\S]*Subject: maybe spam/);
});

test('DNSBL: a listed client is refused at connect with 554 5.7.1 naming the zone', {
  skip: !available && 'clamd/rspamd not installed',
}, async () => {
  const result = await run('swaks', [
    '--server',
    `127.0.0.1:${listed.ports.smtp}`,
    '--quit-after',
    'CONNECT',
  ]);
  assert.match(
    result.stdout,
    /<\*\* 554 5\.7\.1 Service unavailable; client \[127\.0\.0\.1\] blocked using bl\.test/,
  );
});
