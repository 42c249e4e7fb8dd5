// The verified-password cache over the wire (Python's imaplib over IMAPS): with the cache on, a
// password changed through the domain code or the CLI, an account disabled or removed, and a
// legacy hash replaced at login all take effect at the very next login.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { postroomCommand } from '../helpers/postroom-cli';
import { addDomain, addMailbox, removeMailbox, setMailboxEnabled, setPassword } from '../../server/domain';
import { db } from '../../server/core/db';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { recentlyVerified } from '../../server/auth/verified-cache';

process.env.POSTROOM_AUTH_PENALTY_MS = '1';
process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '4';
delete process.env.POSTROOM_AUTH_CACHE_TTL; // the default: on, one hour

const ADDRESS = 'bob@example.org';
let testDb: TestDatabase;
let imap: RunningImapServers;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: ADDRESS, password: 'First-pw-1234' });
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
});
after(async () => {
  await imap.close();
  await testDb.cleanup();
});
beforeEach(async () => {
  await db().authFailure.deleteMany();
});

const PYTHON_LOGIN = `
import ssl, sys, imaplib
port, user, password = sys.argv[1:4]
try:
    client = imaplib.IMAP4_SSL('127.0.0.1', int(port), ssl_context=ssl._create_unverified_context())
    client.login(user, password)
    client.select('INBOX')
    client.logout()
    print('OK')
except imaplib.IMAP4.error as error:
    reason = error.args[0]
    print(reason.decode() if isinstance(reason, bytes) else reason)
`;

/** One IMAPS login (and SELECT) by imaplib: "OK" or the server's refusal. */
function login(password: string, user = ADDRESS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PYTHON_LOGIN, String(imap.ports.imaps), user, password]);
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

async function storedHash(): Promise<string> {
  return (await db().user.findFirstOrThrow({ where: { local: 'bob' } })).passwordHash;
}

/** Logs in twice, so the second login is answered from the cache, and checks it is held. */
async function loginCached(password: string): Promise<void> {
  assert.equal(await login(password), 'OK');
  assert.equal(await login(password), 'OK');
  assert.ok(recentlyVerified(await storedHash(), password), 'the server remembered the login');
}

test('a password changed through the domain code: the old one is refused at once, the new one works', async () => {
  await loginCached('First-pw-1234');
  await setPassword(ADDRESS, 'Second-pw-1234');
  assert.match(await login('First-pw-1234'), /AUTHENTICATIONFAILED/);
  assert.equal(await login('Second-pw-1234'), 'OK');
});

test('a password changed by the postroom CLI: the old one is refused at once, the new one works', async () => {
  await loginCached('Second-pw-1234');
  const result = postroomCommand(['user', 'passwd', ADDRESS, '--password-stdin'], 'Third-pw-1234\n');
  assert.equal(result.code, 0, result.err);
  assert.match(await login('Second-pw-1234'), /AUTHENTICATIONFAILED/);
  assert.equal(await login('Third-pw-1234'), 'OK');
});

test('a disabled account is refused at once though its password is cached; enabled, it works again', async () => {
  await loginCached('Third-pw-1234');
  await setMailboxEnabled(ADDRESS, false);
  assert.notEqual(await login('Third-pw-1234'), 'OK');
  await setMailboxEnabled(ADDRESS, true);
  assert.equal(await login('Third-pw-1234'), 'OK');
});

test('a legacy hash replaced at login keeps working, and a removed account is refused at once', async () => {
  // bcrypt ($2y$) of "test1234", as a migrated Dovecot database stores it.
  const bcrypt = '$2y$10$T03RmF8PZVdEGvqMBA7JDe7kleiWmA8Acpoz7iUm7N44P1yiS5tnG';
  await db().user.updateMany({ where: { local: 'bob' }, data: { passwordHash: bcrypt } });
  assert.equal(await login('test1234'), 'OK');
  assert.match(await storedHash(), /^\$argon2id\$/, 'rehashed at login');
  await loginCached('test1234');
  await removeMailbox(ADDRESS);
  assert.match(await login('test1234'), /AUTHENTICATIONFAILED/);
});

test('a remembered password reserves no failure, yet one that two-factor refuses counts, and a throttled address is refused with it', async () => {
  const carol = 'carol@example.org';
  await addMailbox({ address: carol, password: 'Carol-pw-1234' });
  assert.equal(await login('Carol-pw-1234', carol), 'OK');
  assert.equal(await login('Carol-pw-1234', carol), 'OK');
  const failures = () => db().authFailure.count({ where: { NOT: { key: { startsWith: 'good:' } } } });
  assert.equal(await failures(), 0, 'a right password leaves no failure behind');
  // Two-factor on: the account password no longer opens mail (app passwords do), cached or not.
  await db().user.updateMany({ where: { local: 'carol' }, data: { totpEnabledAt: new Date() } });
  assert.match(await login('Carol-pw-1234', carol), /AUTHENTICATIONFAILED/);
  assert.equal(await failures(), 3, 'counted for the pair, the address and the account');
  await db().user.updateMany({ where: { local: 'carol' }, data: { totpEnabledAt: null } });
  // Enough wrong guesses from this address: the right, remembered password is refused as well.
  let answer = '';
  for (let guess = 0; guess < 12 && !/UNAVAILABLE/.test(answer); guess++)
    answer = await login(`Wrong-${guess}-1234`, carol);
  assert.match(answer, /UNAVAILABLE/);
  assert.match(await login('Carol-pw-1234', carol), /UNAVAILABLE/);
});
