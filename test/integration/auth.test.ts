import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { authenticate, authenticateToken, mintAccessToken, verifyAccessToken } from '../../server/auth';
import { addDomain, addMailbox, setMailboxEnabled, setPassword } from '../../server/domain';
import { db } from '../../server/core/db';

let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addDomain('example.net', { aliasOf: 'example.org' });
  await addMailbox({ address: 'alice@example.org', password: 'Alice-pw-1234!' });
});
after(async () => {
  await testDb.cleanup();
});

test('a correct login succeeds, case-insensitively, and at an alias domain', async () => {
  const ok = await authenticate({
    username: 'Alice@Example.org',
    password: 'Alice-pw-1234!',
    protocol: 'imap',
    clientIp: '10.0.0.1',
  });
  assert.equal(ok.ok && ok.user.address, 'alice@example.org');
  const viaAlias = await authenticate({
    username: 'alice@example.net',
    password: 'Alice-pw-1234!',
    protocol: 'imap',
    clientIp: '10.0.0.1',
  });
  assert.equal(viaAlias.ok && viaAlias.user.address, 'alice@example.org');
});

test('wrong password and unknown user are the same failure, and are logged', async () => {
  const wrong = await authenticate({
    username: 'alice@example.org',
    password: 'nope',
    protocol: 'pop3',
    clientIp: '10.0.0.2',
  });
  const unknown = await authenticate({
    username: 'nobody@example.org',
    password: 'nope',
    protocol: 'pop3',
    clientIp: '10.0.0.2',
  });
  assert.deepEqual(wrong, { ok: false, reason: 'invalid' });
  assert.deepEqual(unknown, { ok: false, reason: 'invalid' });
  const events = await db().event.findMany({
    where: { action: 'auth', result: 'failed', clientIp: '10.0.0.2' },
  });
  assert.equal(events.length, 2);
});

test('ten failures for an account throttle it, even with the right password', async () => {
  for (let i = 0; i < 10; i++)
    await authenticate({
      username: 'alice@example.org',
      password: `bad-${i}`,
      protocol: 'smtp',
      clientIp: `10.1.0.${i}`,
    });
  const blocked = await authenticate({
    username: 'alice@example.org',
    password: 'Alice-pw-1234!',
    protocol: 'smtp',
    clientIp: '10.9.9.9',
  });
  assert.equal(blocked.ok, false);
  assert.equal(!blocked.ok && blocked.reason, 'throttled');
  assert.ok(!blocked.ok && blocked.retryAfterSeconds! > 0);
  await db().authFailure.deleteMany();
});

test('a disabled mailbox cannot log in', async () => {
  await setMailboxEnabled('alice@example.org', false);
  const result = await authenticate({
    username: 'alice@example.org',
    password: 'Alice-pw-1234!',
    protocol: 'imap',
  });
  assert.deepEqual(result, { ok: false, reason: 'disabled' });
  await setMailboxEnabled('alice@example.org', true);
});

test('webmail tokens: bound to the mailbox, refused after a password change or when disabled', async () => {
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  const token = await mintAccessToken(user.id);
  assert.equal((await verifyAccessToken(token))?.address, 'alice@example.org');
  assert.equal(
    (await authenticateToken({ username: 'alice@example.org', token, protocol: 'imap' })).ok,
    true,
  );
  assert.equal((await authenticateToken({ username: 'bob@example.org', token, protocol: 'imap' })).ok, false);
  assert.equal(await verifyAccessToken(token.slice(0, -2) + 'xx'), null);
  await setMailboxEnabled('alice@example.org', false);
  assert.equal(await verifyAccessToken(token), null);
  await setMailboxEnabled('alice@example.org', true);
  assert.ok(await verifyAccessToken(token));
  await new Promise((resolve) => setTimeout(resolve, 5));
  await setPassword('alice@example.org', 'Another-pw-5678');
  assert.equal(await verifyAccessToken(token), null);
  const expired = await mintAccessToken(user.id, -1);
  assert.equal(await verifyAccessToken(expired), null);
});

test('bearer-token guessing is throttled like password guessing', async () => {
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  const good = await mintAccessToken(user.id);
  for (let i = 0; i < 10; i++)
    await authenticateToken({
      username: 'alice@example.org',
      token: `forged.${i}`,
      protocol: 'imap',
      clientIp: '10.3.0.1',
    });
  const blocked = await authenticateToken({
    username: 'alice@example.org',
    token: good,
    protocol: 'imap',
    clientIp: '10.3.0.1',
  });
  assert.equal(!blocked.ok && blocked.reason, 'throttled');
  await db().authFailure.deleteMany();
  assert.equal(
    (
      await authenticateToken({
        username: 'alice@example.org',
        token: good,
        protocol: 'imap',
        clientIp: '10.3.0.1',
      })
    ).ok,
    true,
  );
});
