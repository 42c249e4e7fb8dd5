// Login throttling over the wire: IMAP, POP3 and SMTP AUTH (real clients: Python's imaplib,
// poplib and smtplib, each bound to a chosen loopback address) count every spelling of a name
// against one account; a flood of guesses from one address leaves the owner's login from another
// working; a client that drops while its answer is delayed still has its guess counted.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { startPop3Servers, type Pop3Servers } from '../../server/pop3';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';

process.env.POSTROOM_AUTH_PENALTY_MS = '1';
process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '4';

const PASSWORD = 'Alice-pw-1234!';
let testDb: TestDatabase;
let imap: RunningImapServers;
let pop3: Pop3Servers;
let smtp: RunningSmtpServers;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addDomain('example.net', { aliasOf: 'example.org' });
  await addMailbox({ address: 'alice@example.org', password: PASSWORD });
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  pop3 = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  smtp = await startSmtpServers({ host: '127.0.0.1', port: 0, submissionPort: 0, smtpsPort: 0 });
});
after(async () => {
  await Promise.all([imap.close(), pop3.close(), smtp.close()]);
  await testDb.cleanup();
});
beforeEach(async () => {
  await db().authFailure.deleteMany();
});

// One login with the standard library client over implicit TLS, from `source`; prints "OK" or the
// server's refusal. create_connection is wrapped so imaplib and poplib bind the source address too.
const PYTHON_LOGIN = `
import socket, ssl, sys, imaplib, poplib, smtplib
protocol, port, source, user, password = sys.argv[1:6]
plain_connect = socket.create_connection
socket.create_connection = lambda address, timeout=30, source_address=None, **rest: plain_connect(address, timeout, (source, 0))
context = ssl._create_unverified_context()
try:
    if protocol == 'imap':
        client = imaplib.IMAP4_SSL('127.0.0.1', int(port), ssl_context=context)
        client.login(user, password)
    elif protocol == 'pop3':
        client = poplib.POP3_SSL('127.0.0.1', int(port), context=context)
        client.user(user)
        client.pass_(password)
    else:
        client = smtplib.SMTP_SSL('127.0.0.1', int(port), context=context, source_address=(source, 0))
        client.ehlo()
        client.user, client.password = user, password
        client.auth('PLAIN', client.auth_plain)  # one mechanism: login() would retry with LOGIN
    print('OK')
except (imaplib.IMAP4.error, poplib.error_proto) as error:
    reason = error.args[0]
    print(reason.decode() if isinstance(reason, bytes) else reason)
except smtplib.SMTPAuthenticationError as error:
    print(error.smtp_code, error.smtp_error.decode())
`;

type Protocol = 'imap' | 'pop3' | 'smtp';

function pythonLogin(protocol: Protocol, source: string, user: string, password: string): Promise<string> {
  const port = { imap: imap.ports.imaps!, pop3: pop3.ports.pop3s, smtp: smtp.ports.smtps! }[protocol];
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PYTHON_LOGIN, protocol, String(port), source, user, password]);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(err || `exit ${code}`)),
    );
  });
}

/** A raw IMAPS connection from `source`, for the peers no real client imitates. */
async function rawImap(source: string): Promise<{ socket: TLSSocket; text: () => string }> {
  const tcp = connectTcp({ host: '127.0.0.1', port: imap.ports.imaps!, localAddress: source });
  const socket = connectTls({ socket: tcp, rejectUnauthorized: false });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return { socket, text: () => received };
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('IMAP, POP3 and SMTP AUTH count every spelling against one account and refuse with their temporary answer', async () => {
  const guesses: [Protocol, string][] = [
    ['imap', 'ALICE@example.org.'],
    ['pop3', 'alice@EXAMPLE.NET'],
    ['smtp', 'Alice@example.org.'],
    ['imap', 'alice@example.net.'],
    ['pop3', 'alice@example.org'],
    ['smtp', 'alice@Example.Net'],
    ['imap', 'alice@example.org'],
    ['pop3', 'ALICE@EXAMPLE.ORG.'],
    ['smtp', 'alice@example.org'],
    ['imap', 'Alice@Example.Org'],
  ];
  for (const [protocol, name] of guesses) {
    const answer = await pythonLogin(protocol, '127.0.0.2', name, 'wrong-password');
    assert.match(answer, /AUTHENTICATIONFAILED|\[AUTH\]|^535 5\.7\.8/, `${protocol} ${name}: ${answer}`);
  }
  assert.equal(await db().authFailure.count({ where: { key: 'pair:127.0.0.2 alice@example.org' } }), 10);

  // The right password from the guessing address: each protocol's standard temporary refusal.
  assert.match(await pythonLogin('imap', '127.0.0.2', 'alice@example.org', PASSWORD), /\[UNAVAILABLE\]/);
  assert.match(await pythonLogin('pop3', '127.0.0.2', 'alice@example.org', PASSWORD), /^-ERR \[SYS\/TEMP\]/);
  assert.match(await pythonLogin('smtp', '127.0.0.2', 'alice@example.org', PASSWORD), /^454 4\.7\.0/);
  // From another address the owner logs in everywhere, in any spelling.
  assert.equal(await pythonLogin('imap', '127.0.0.3', 'alice@example.net.', PASSWORD), 'OK');
  assert.equal(await pythonLogin('pop3', '127.0.0.3', 'ALICE@example.org', PASSWORD), 'OK');
  assert.equal(await pythonLogin('smtp', '127.0.0.3', 'alice@example.org.', PASSWORD), 'OK');
});

test('a flood of 200 IMAP guesses from one address leaves the owner’s login from another working within 5 s', async () => {
  // The flooder pipelines its guesses, ten LOGIN commands per write, and reconnects when dropped.
  let answered = 0;
  let refused = 0;
  while (answered < 200) {
    const peer = await rawImap('127.0.0.2');
    const batch = Math.min(10, 200 - answered);
    const commands = Array.from(
      { length: batch },
      (_, i) => `g${answered + i} LOGIN alice@example.org. guess-${answered + i}\r\n`,
    );
    peer.socket.write(commands.join(''));
    const tags = await until(() => {
      const done = peer.text().match(/^g\d+ (OK|NO|BAD) .*$/gm) ?? [];
      return done.length === batch || peer.socket.destroyed ? done : undefined;
    });
    answered += Math.max(tags.length, 1);
    refused += tags.filter((line) => /\[UNAVAILABLE\]/.test(line)).length;
    assert.ok(!tags.some((line) => / OK /.test(line)));
    peer.socket.destroy();
  }
  assert.ok(refused >= 180, `${refused} of 200 refused`);
  assert.equal(await db().authFailure.count({ where: { key: 'acct:alice@example.org' } }), 10);
  const started = Date.now();
  assert.equal(await pythonLogin('imap', '127.0.0.3', 'alice@example.org', PASSWORD), 'OK');
  assert.ok(Date.now() - started < 5000, `owner waited ${Date.now() - started} ms`);
});

test('a client that hangs up while its answer is delayed still has its guess counted', async () => {
  process.env.POSTROOM_AUTH_PENALTY_MS = '2000';
  process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '2000';
  try {
    const first = await rawImap('127.0.0.4');
    first.socket.write('a LOGIN alice@example.org wrong-1\r\n');
    await until(() => (/^a NO /m.test(first.text()) ? true : undefined));
    // The next answer to this address waits 2 s: the guesser hangs up at once, hoping to learn
    // "wrong" from the silence without paying for it.
    first.socket.write('b LOGIN alice@example.org wrong-2\r\n');
    first.socket.destroy();
    const pair = 'pair:127.0.0.4 alice@example.org';
    await until(async () =>
      (await db().authFailure.count({ where: { key: pair } })) === 2 ? true : undefined,
    );
    // The server carries on: the owner logs in from a clean address.
    assert.equal(await pythonLogin('imap', '127.0.0.5', 'alice@example.org', PASSWORD), 'OK');
  } finally {
    process.env.POSTROOM_AUTH_PENALTY_MS = '1';
    process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '4';
  }
});
