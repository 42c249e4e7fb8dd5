// ManageSieve (RFC 5804) on the wire, from Python's socket and ssl (test/fixtures/managesieve/
// driver.py): every command with its OK and NO answers and response codes, logins only after
// STARTTLS, both kinds of literal, OAUTHBEARER with a webmail token, and misbehaving input
// (unknown commands, broken syntax, oversized literals and lines, plaintext injected before TLS,
// an idle peer, too many connections) answered with NO or BYE, never a crash or a hang.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { run } from '../helpers/pop3';
import { addDomain, addMailbox } from '../../server/domain';
import { config } from '../../server/core/config';
import { mintAccessToken } from '../../server/auth';
import { startManageSieveServers, type ManageSieveServers } from '../../server/managesieve';
import { getSieveScript, sieveStatus } from '../../server/rules';
import { createAppPassword } from '../../server/auth/app-passwords';
import { db } from '../../server/core/db';

process.env.POSTROOM_AUTH_PENALTY_MS = '0';

const driver = join(import.meta.dirname, '..', 'fixtures', 'managesieve', 'driver.py');
const USER = { address: 'ann@sieve.test', password: 'Ann-pw-1234!x' };
let testDb: TestDatabase;
let servers: ManageSieveServers;
let userId: number;
let bobId: number;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('sieve.test');
  userId = (await addMailbox(USER)).id;
  bobId = (await addMailbox({ address: 'bob@sieve.test', password: 'Bob-pw-5678!x' })).id;
  servers = await startManageSieveServers({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await servers.close();
  await testDb.cleanup();
});

type Step =
  | { send: string; read?: number; line?: true }
  | { starttls: true; inject?: string }
  | { eof: true };
interface Out {
  greeting?: string[];
  starttls?: string[];
  capabilities?: string[];
  responses?: string[][];
  eof?: string;
  error?: string;
}

async function converse(steps: Step[], port = servers.ports.managesieve): Promise<Out[]> {
  const cafile = join(config().dataDir, 'tls', 'cert.pem');
  return JSON.parse(await run('python3', [driver, '127.0.0.1', String(port), cafile, JSON.stringify(steps)]));
}

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');
const LOGIN: Step[] = [
  { starttls: true },
  { send: `AUTHENTICATE "PLAIN" "${plain(USER.address, USER.password)}"\r\n` },
];

test('greeting, STARTTLS and logins: nothing offered or accepted before TLS', async () => {
  const out = await converse([
    { send: `AUTHENTICATE "PLAIN" "${plain(USER.address, USER.password)}"\r\n` },
    { starttls: true },
    { send: `AUTHENTICATE "PLAIN" "${plain(USER.address, 'wrong-password')}"\r\n` },
    { send: 'AUTHENTICATE "PLAIN"\r\n', line: true },
    { send: `"${plain(USER.address, USER.password)}"\r\n` },
    { send: 'STARTTLS\r\n' },
    { send: 'AUTHENTICATE "PLAIN" "x"\r\n' },
    { send: 'CAPABILITY\r\n' },
    { send: 'LOGOUT\r\n' },
    { eof: true },
  ]);
  const greeting = out[0]!.greeting!;
  assert.ok(greeting.includes('"STARTTLS"'));
  assert.ok(greeting.includes('"SASL" ""'), 'no mechanism before TLS');
  assert.ok(greeting.includes('"VERSION" "1.0"'));
  assert.match(greeting.find((l) => l.startsWith('"SIEVE"'))!, /fileinto.*vacation/);
  assert.ok(greeting.includes('"IMPLEMENTATION" "Postroom"'));
  assert.match(greeting.at(-1)!, /^OK/);
  assert.match(out[1]!.responses![0]!.at(-1)!, /^NO \(ENCRYPT-NEEDED\)/);
  assert.equal(out[2]!.starttls!.at(-1)!.slice(0, 2), 'OK');
  const again = out[2]!.capabilities!;
  assert.ok(again.includes('"SASL" "PLAIN OAUTHBEARER XOAUTH2"'));
  assert.ok(!again.includes('"STARTTLS"'), 'no STARTTLS once TLS is on');
  assert.match(out[3]!.responses![0]!.at(-1)!, /^NO "Authentication failed"/);
  assert.deepEqual(out[4]!.responses![0], ['""']); // the empty challenge: the client sends its response
  assert.match(out[5]!.responses![0]!.at(-1)!, /^OK "Logged in"/);
  assert.match(out[6]!.responses![0]!.at(-1)!, /^NO "TLS is already active"/);
  assert.match(out[7]!.responses![0]!.at(-1)!, /^NO "Already authenticated"/);
  assert.ok(out[8]!.responses![0]!.includes('"OWNER" "ann@sieve.test"'));
  assert.match(out[9]!.responses![0]!.at(-1)!, /^OK/);
  assert.equal(out[10]!.eof, '', 'the server closed after LOGOUT');
});

test('scripts: PUTSCRIPT with both literals, LISTSCRIPTS, SETACTIVE, GETSCRIPT, RENAME, DELETE, HAVESPACE, CHECKSCRIPT', async () => {
  const script = 'require "fileinto";\r\nif header :is "x-list" "a" { fileinto "A"; }\r\n';
  const bytes = Buffer.byteLength(script);
  const out = await converse([
    ...LOGIN,
    { send: `PUTSCRIPT "main" {${bytes}+}\r\n${script}\r\n` },
    { send: `PUTSCRIPT "Ünïcode" {6}\r\nkeep;\n\r\n` },
    { send: 'PUTSCRIPT "bad" "fileinto \\"x\\";"\r\n' },
    { send: 'SETACTIVE "main"\r\n' },
    { send: 'LISTSCRIPTS\r\n' },
    { send: 'GETSCRIPT "main"\r\n' },
    { send: 'GETSCRIPT "missing"\r\n' },
    { send: 'DELETESCRIPT "main"\r\n' },
    { send: 'RENAMESCRIPT "Ünïcode" "main"\r\n' },
    { send: 'RENAMESCRIPT "Ünïcode" "second"\r\n' },
    { send: 'RENAMESCRIPT "gone" "x"\r\n' },
    { send: 'SETACTIVE "nope"\r\n' },
    { send: 'HAVESPACE "new" 1000\r\n' },
    { send: 'HAVESPACE "new" 10000000\r\n' },
    { send: 'CHECKSCRIPT "if true {"\r\n' },
    { send: 'CHECKSCRIPT {5+}\r\nkeep;\r\n' },
    { send: 'NOOP "t1"\r\n' },
    { send: 'SETACTIVE ""\r\n' },
    { send: 'DELETESCRIPT "second"\r\n' },
    { send: 'LISTSCRIPTS\r\n' },
  ]);
  const r = (i: number) => out[3 + i]!.responses![0]!;
  assert.match(r(0).at(-1)!, /^OK/);
  assert.match(r(1).at(-1)!, /^OK/);
  assert.match(r(2).at(-1)!, /^NO "line 1, column \d+: .*fileinto/);
  assert.match(r(3).at(-1)!, /^OK/);
  assert.deepEqual(r(4).slice(0, -1).sort(), ['"main" ACTIVE', '"Ünïcode"'].sort());
  assert.equal(r(5)[0], `{${bytes}}\r\n${script}`);
  assert.match(r(5).at(-1)!, /^OK/);
  assert.match(r(6).at(-1)!, /^NO \(NONEXISTENT\)/);
  assert.match(r(7).at(-1)!, /^NO \(ACTIVE\)/);
  assert.match(r(8).at(-1)!, /^NO \(ALREADYEXISTS\)/);
  assert.match(r(9).at(-1)!, /^OK/);
  assert.match(r(10).at(-1)!, /^NO \(NONEXISTENT\)/);
  assert.match(r(11).at(-1)!, /^NO \(NONEXISTENT\)/);
  assert.match(r(12).at(-1)!, /^OK/);
  assert.match(r(13).at(-1)!, /^NO \(QUOTA\/MAXSIZE\)/);
  assert.match(r(14).at(-1)!, /^NO "line 1/);
  assert.match(r(15).at(-1)!, /^OK/);
  assert.equal(r(16).at(-1), 'OK (TAG "t1") "Done"');
  assert.match(r(17).at(-1)!, /^OK/);
  assert.match(r(18).at(-1)!, /^OK/);
  assert.deepEqual(r(19).slice(0, -1), ['"main"']);
  assert.equal(await getSieveScript(userId, 'main'), script);
  assert.equal((await sieveStatus(userId)).activeScript, null);
});

test('bad input gets NO and the session goes on; an oversized literal is skipped', async () => {
  const big = 'x'.repeat(70_000);
  const out = await converse([
    { send: 'LISTSCRIPTS\r\n' },
    { starttls: true },
    { send: `AUTHENTICATE "PLAIN" "${plain(USER.address, USER.password)}"\r\n` },
    { send: 'FROBNICATE\r\n' },
    { send: 'PUTSCRIPT "unterminated\r\n' },
    { send: 'PUTSCRIPT "x" 12\r\n' },
    { send: 'GETSCRIPT\r\n' },
    { send: `PUTSCRIPT "big" {${big.length}+}\r\n${big}\r\n` },
    { send: 'PUTSCRIPT "bad\\\\name\x01" "keep;"\r\n' },
    { send: '"just a string"\r\n' },
    { send: 'NOOP "still here"\r\n' },
    { send: 'UNAUTHENTICATE\r\n' },
    { send: 'LISTSCRIPTS\r\n' },
  ]);
  assert.match(out[1]!.responses![0]!.at(-1)!, /^NO "Authenticate first"/);
  const r = (i: number) => out[4 + i]!.responses![0]!.at(-1)!;
  assert.match(r(0), /^NO "Unknown command/);
  assert.match(r(1), /^NO "Unterminated quoted string"/);
  assert.match(r(2), /^NO "Usage: PUTSCRIPT/);
  assert.match(r(3), /^NO "Usage: GETSCRIPT/);
  assert.match(r(4), /^NO \(QUOTA\/MAXSIZE\)/);
  assert.match(r(5), /^NO "Script name: no control characters/);
  assert.match(r(6), /^NO "Expected a command name"/);
  assert.match(r(7), /^OK \(TAG "still here"\)/);
  assert.match(r(8), /^OK/);
  assert.match(r(9), /^NO "Authenticate first"/);
  assert.equal(await getSieveScript(userId, 'big'), null);
});

test('plaintext sent after STARTTLS is not obeyed; an over-long line ends with BYE', async () => {
  // Were the LOGOUT sent along with STARTTLS obeyed, the session would end before the NOOP.
  const out = await converse([{ starttls: true, inject: 'LOGOUT\r\n' }, { send: 'NOOP\r\n' }]);
  assert.match(out[1]!.starttls!.at(-1)!, /^OK "Begin TLS/);
  assert.match(out[2]!.responses![0]!.at(-1)!, /^OK "Done"/);
  const long = await converse([{ send: `NOOP "${'y'.repeat(20_000)}"\r\n` }, { eof: true }]);
  assert.match(long[1]!.responses![0]!.at(-1)!, /^BYE "Line too long"/);
});

test('OAUTHBEARER with a webmail token; a bad token gets the error challenge, then NO', async () => {
  const token = await mintAccessToken(userId);
  const bearer = (user: string, secret: string) =>
    Buffer.from(`n,a=${user},\x01auth=Bearer ${secret}\x01\x01`).toString('base64');
  const out = await converse([
    { starttls: true },
    { send: `AUTHENTICATE "OAUTHBEARER" "${bearer(USER.address, 'forged')}"\r\n`, line: true },
    { send: '"AQ=="\r\n' },
    { send: `AUTHENTICATE "OAUTHBEARER" "${bearer('bob@sieve.test', token)}"\r\n`, line: true },
    { send: '"AQ=="\r\n' },
    { send: `AUTHENTICATE "OAUTHBEARER" "${bearer(USER.address, token)}"\r\n` },
    { send: 'LISTSCRIPTS\r\n' },
  ]);
  const challenge = out[2]!.responses![0]![0]!;
  assert.match(Buffer.from(challenge.replace(/"/g, ''), 'base64').toString(), /invalid_token/);
  assert.match(out[3]!.responses![0]!.at(-1)!, /^NO "Authentication failed"/);
  assert.match(out[5]!.responses![0]!.at(-1)!, /^NO "Authentication failed"/, "another mailbox's name");
  assert.match(out[6]!.responses![0]!.at(-1)!, /^OK "Logged in"/);
  assert.match(out[7]!.responses![0]!.at(-1)!, /^OK/);
});

function rawConnect(port: number): Promise<{ socket: Socket; data: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.once('connect', () => resolve({ socket, data: () => text, closed }));
    socket.once('error', reject);
  });
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('an idle session ends with BYE; connections per address are limited', async () => {
  process.env.POSTROOM_MANAGESIEVE_MAX_CONN_PER_IP = '2';
  const limited = await startManageSieveServers({ host: '127.0.0.1', port: 0, idleTimeoutMs: 300 });
  delete process.env.POSTROOM_MANAGESIEVE_MAX_CONN_PER_IP;
  try {
    const idle = await rawConnect(limited.ports.managesieve);
    await idle.closed;
    assert.match(idle.data(), /^BYE "Disconnected for inactivity"/m);
    const first = await rawConnect(limited.ports.managesieve);
    const second = await rawConnect(limited.ports.managesieve);
    await waitFor(() => /^OK/m.test(first.data()) && /^OK/m.test(second.data()), 'two greetings');
    const third = await rawConnect(limited.ports.managesieve);
    await third.closed;
    assert.match(third.data(), /^BYE \(TRYLATER\) "Too many connections/);
    first.socket.destroy();
    second.socket.destroy();
  } finally {
    await limited.close();
  }
});

test('two-factor on: the account password is refused, an IMAP app password logs in', async () => {
  const bob = await db().user.update({ where: { id: bobId }, data: { totpEnabledAt: new Date() } });
  const app = await createAppPassword(bob.id, 'sieve client', ['imap']);
  const out = await converse([
    { starttls: true },
    { send: `AUTHENTICATE "PLAIN" "${plain('bob@sieve.test', 'Bob-pw-5678!x')}"\r\n` },
    { send: `AUTHENTICATE "PLAIN" "${plain('bob@sieve.test', app.password)}"\r\n` },
  ]);
  assert.match(out[2]!.responses![0]!.at(-1)!, /^NO "Authentication failed"/);
  assert.match(out[3]!.responses![0]!.at(-1)!, /^OK "Logged in"/);
});

test('failed logins are throttled like IMAP and POP3 (shared auth core): TRYLATER', async () => {
  const wrong = { send: `AUTHENTICATE "PLAIN" "${plain('guess@sieve.test', 'not-it-at-all')}"\r\n` };
  const out = await converse([{ starttls: true }, ...Array.from({ length: 11 }, () => wrong)]);
  const last = out.slice(2).map((o) => o.responses![0]!.at(-1)!);
  assert.match(last[0]!, /^NO "Authentication failed"/);
  assert.match(last.at(-1)!, /^NO \(TRYLATER\)/);
});
