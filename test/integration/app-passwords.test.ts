// App passwords over the wire (real clients: imapflow, Python's poplib, nodemailer, all over TLS):
// one works on each protocol it was made for and is refused on the others; the account password
// works until two-factor sign-in is on, then only app passwords do, while the webmail's own
// OAUTHBEARER tokens keep working; a revoked one is refused at once; its last use (time and client
// address) is recorded; it never signs in to the web console.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { generate } from 'otplib';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { authenticate } from '../../server/auth/login';
import { mintAccessToken } from '../../server/auth/tokens';
import { createAppPassword, listAppPasswords, revokeAppPassword } from '../../server/auth/app-passwords';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../../server/auth/two-factor';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { startPop3Servers, type Pop3Servers } from '../../server/pop3';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';

process.env.POSTROOM_AUTH_PENALTY_MS = '0';

const ADDRESS = 'alice@example.org';
const PASSWORD = 'Alice-pw-1234!';
let testDb: TestDatabase;
let imap: RunningImapServers;
let pop3: Pop3Servers;
let smtp: RunningSmtpServers;
let userId: number;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: ADDRESS, password: PASSWORD });
  userId = (await db().user.findFirstOrThrow({ where: { local: 'alice' } })).id;
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

async function imapLogin(auth: { user: string; pass?: string; accessToken?: string }): Promise<boolean> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: imap.ports.imaps!,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth,
    logger: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch {
    return false;
  }
}

function pop3Login(password: string): Promise<boolean> {
  const script = `
import poplib, ssl, sys
client = poplib.POP3_SSL('127.0.0.1', int(sys.argv[1]), context=ssl._create_unverified_context())
client.user(sys.argv[2])
try:
    client.pass_(sys.argv[3])
    print('OK')
except poplib.error_proto as error:
    print(error.args[0].decode())
`;
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, String(pop3.ports.pop3s), ADDRESS, password]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim() === 'OK'));
  });
}

async function smtpLogin(password: string): Promise<boolean> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtp.ports.smtps!,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: ADDRESS, pass: password },
  });
  try {
    await transport.verify();
    return true;
  } catch {
    return false;
  } finally {
    transport.close();
  }
}

test('an app password works on its protocols only, beside the account password while two-factor is off', async () => {
  const all = await createAppPassword(userId, 'Laptop', ['imap', 'pop3', 'smtp']);
  const readOnly = await createAppPassword(userId, 'Reader', ['imap']);
  assert.match(all.password, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
  const stored = await db().appPassword.findMany({ where: { userId } });
  assert.ok(stored.every((row) => !row.hash.includes(all.password) && row.hash.length === 64));

  assert.equal(await imapLogin({ user: ADDRESS, pass: all.password }), true);
  assert.equal(await pop3Login(all.password), true);
  assert.equal(await smtpLogin(all.password.toUpperCase()), true, 'case does not matter');
  assert.equal(await imapLogin({ user: ADDRESS, pass: readOnly.password }), true);
  assert.equal(await pop3Login(readOnly.password), false);
  assert.equal(await smtpLogin(readOnly.password), false);
  assert.equal(await imapLogin({ user: ADDRESS, pass: PASSWORD }), true);
  // The web console takes the account password only.
  assert.equal(
    (await authenticate({ username: ADDRESS, password: all.password, protocol: 'web' })).ok,
    false,
  );

  const [reader] = (await listAppPasswords(userId)).filter((entry) => entry.name === 'Reader');
  assert.ok(reader?.lastUsedAt && Date.now() - reader.lastUsedAt.getTime() < 60_000);
  assert.equal(reader.lastUsedIp, '127.0.0.1');
});

test('once two-factor is on, mail protocols refuse the account password and take app passwords and webmail tokens', async () => {
  const app = await createAppPassword(userId, 'Phone', ['imap', 'pop3', 'smtp']);
  const { secret } = await beginTotpEnrolment(userId);
  assert.ok(await confirmTotpEnrolment(userId, await generate({ secret })));

  assert.equal(await imapLogin({ user: ADDRESS, pass: PASSWORD }), false);
  assert.equal(await pop3Login(PASSWORD), false);
  assert.equal(await smtpLogin(PASSWORD), false);
  assert.equal(await imapLogin({ user: ADDRESS, pass: app.password }), true);
  assert.equal(await pop3Login(app.password), true);
  assert.equal(await smtpLogin(app.password), true);
  assert.equal(await imapLogin({ user: ADDRESS, accessToken: await mintAccessToken(userId) }), true);
  // The web sign-in's password step still takes the account password (a code is asked next).
  assert.equal((await authenticate({ username: ADDRESS, password: PASSWORD, protocol: 'web' })).ok, true);

  assert.equal(await revokeAppPassword(userId, app.id), true);
  assert.equal(await imapLogin({ user: ADDRESS, pass: app.password }), false);
  assert.equal(await smtpLogin(app.password), false);
});

test("another account's app password is no password for this one", async () => {
  await addMailbox({ address: 'bob@example.org', password: 'Bob-pw-1234!!' });
  const bob = await db().user.findFirstOrThrow({ where: { local: 'bob' } });
  const bobs = await createAppPassword(bob.id, 'Bob laptop', ['imap']);
  assert.equal(await imapLogin({ user: ADDRESS, pass: bobs.password }), false);
  assert.equal(await imapLogin({ user: 'bob@example.org', pass: bobs.password }), true);
});
