import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { authenticate, authenticateToken, mintAccessToken, verifyAccessToken } from '../../server/auth';
import { addDomain, addMailbox, setMailboxEnabled, setPassword } from '../../server/domain';
import { db } from '../../server/core/db';

// Penalty delays of a few milliseconds: the tests here count guesses; auth-penalty.test.ts times them.
process.env.POSTROOM_AUTH_PENALTY_MS = '1';
process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '4';

const PASSWORD = 'Alice-pw-1234!';

let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addDomain('example.net', { aliasOf: 'example.org' });
  await addDomain('bücher.example');
  await addMailbox({ address: 'alice@example.org', password: PASSWORD });
  await addMailbox({ address: 'joerg@bücher.example', password: PASSWORD });
});
after(async () => {
  await testDb.cleanup();
});
beforeEach(async () => {
  await db().authFailure.deleteMany();
});

function login(username: string, password: string, clientIp: string) {
  return authenticate({ username, password, protocol: 'imap', clientIp });
}

test('a correct login succeeds, case-insensitively, with a trailing dot, at an alias domain and an IDN', async () => {
  for (const name of ['Alice@Example.org', 'alice@example.org.', 'ALICE@EXAMPLE.NET.', 'alice@example.net']) {
    const result = await login(name, PASSWORD, '10.0.0.1');
    assert.equal(result.ok && result.user.address, 'alice@example.org', name);
  }
  for (const name of ['joerg@BÜCHER.example', 'JOERG@xn--bcher-kva.example.']) {
    const result = await login(name, PASSWORD, '10.0.0.1');
    assert.equal(result.ok && result.user.address, 'joerg@xn--bcher-kva.example', name);
  }
});

test('wrong password and unknown user are the same failure, and are logged', async () => {
  const wrong = await login('alice@example.org', 'nope', '10.0.0.2');
  const unknown = await login('nobody@example.org', 'nope', '10.0.0.2');
  assert.deepEqual(wrong, { ok: false, reason: 'invalid' });
  assert.deepEqual(unknown, { ok: false, reason: 'invalid' });
  const events = await db().event.findMany({
    where: { action: 'auth', result: 'failed', clientIp: '10.0.0.2' },
    orderBy: { id: 'asc' },
  });
  assert.deepEqual(
    events.map((event) => event.user),
    ['alice@example.org', 'nobody@example.org'],
  );
});

test('trailing dot, upper case, alias domain and IDN spellings count against the same account', async () => {
  const spellings = [
    'alice@example.org.',
    'ALICE@example.org',
    'alice@example.net',
    'Alice@EXAMPLE.NET.',
    ' alice@example.org ',
  ];
  for (let i = 0; i < 10; i++) {
    const result = await login(spellings[i % spellings.length]!, `bad-${i}`, '10.1.0.1');
    assert.equal(!result.ok && result.reason, 'invalid', `guess ${i} is checked`);
  }
  // Any spelling from that address is refused now, even with the right password...
  for (const name of ['alice@example.org', 'alice@example.org.', 'alice@EXAMPLE.net.']) {
    const refused = await login(name, PASSWORD, '10.1.0.1');
    assert.equal(!refused.ok && refused.reason, 'throttled', name);
    assert.ok(!refused.ok && refused.retryAfterSeconds! > 0);
  }
  // ...while the owner logs in from another address.
  assert.equal((await login('alice@example.org', PASSWORD, '10.1.0.2')).ok, true);

  for (let i = 0; i < 10; i++)
    await login(i % 2 ? 'joerg@bücher.example.' : 'JOERG@xn--bcher-kva.example', 'x', '10.1.0.3');
  const idn = await login('joerg@BÜCHER.example', PASSWORD, '10.1.0.3');
  assert.equal(!idn.ok && idn.reason, 'throttled');
});

test('unknown users are counted under their normalised name', async () => {
  for (let i = 0; i < 10; i++)
    await login(i % 2 ? 'Nobody@Example.org.' : 'nobody@example.net', `bad-${i}`, '10.2.0.1');
  const refused = await login('NOBODY@example.org', 'anything', '10.2.0.1');
  assert.equal(!refused.ok && refused.reason, 'throttled');
  const keys = await db().authFailure.findMany({
    where: { key: { startsWith: 'acct:' } },
    distinct: ['key'],
  });
  assert.deepEqual(
    keys.map((row) => row.key),
    ['acct:nobody@example.org'],
  );
});

test('200 wrong passwords from one address leave the right one from another working within 5 s', async () => {
  const results = { invalid: 0, throttled: 0 };
  for (let i = 0; i < 200; i++) {
    const result = await login('alice@example.org', `guess-${i}`, '127.0.0.2');
    assert.equal(result.ok, false);
    if (!result.ok && result.reason !== 'disabled') results[result.reason]++;
  }
  assert.deepEqual(results, { invalid: 10, throttled: 190 });
  const started = Date.now();
  const owner = await login('alice@example.org', PASSWORD, '127.0.0.3');
  assert.equal(owner.ok, true);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('rotating addresses get at most 20 guesses per account per minute; the owner’s known address still logs in', async () => {
  assert.equal((await login('alice@example.org', PASSWORD, '127.0.0.9')).ok, true); // the owner's usual client
  // Three rounds over 51 addresses, each round all at once (and so well within the minute).
  const started = Date.now();
  let checked = 0;
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(
      Array.from({ length: 51 }, (_, i) =>
        login('alice@example.org', `guess-${round}-${i}`, `127.0.0.${10 + i}`),
      ),
    );
    checked += results.filter((result) => !result.ok && result.reason === 'invalid').length;
  }
  assert.ok(
    Date.now() - started < 50_000,
    'the rounds took most of the minute; the counts below assume less',
  );
  assert.equal(checked, 20, 'guesses checked within the minute');
  // Over the rate, an address the account never logged in from is refused for now...
  const stranger = await login('alice@example.org', PASSWORD, '127.0.0.200');
  assert.equal(!stranger.ok && stranger.reason, 'throttled');
  assert.ok(!stranger.ok && stranger.retryAfterSeconds! <= 60);
  // ...and the owner's client is not.
  assert.equal((await login('alice@example.org', PASSWORD, '127.0.0.9')).ok, true);
});

test('parallel attempts from one address cannot overshoot its limit', async () => {
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => login('alice@example.org', `parallel-${i}`, '10.4.0.1')),
  );
  const checked = results.filter((result) => !result.ok && result.reason === 'invalid').length;
  assert.ok(checked <= 10, `${checked} guesses checked`);
  assert.ok(checked >= 1);
  assert.equal(await db().authFailure.count({ where: { key: 'pair:10.4.0.1 alice@example.org' } }), checked);
});

test('IPv4-mapped and same-/64 IPv6 addresses are one client address', async () => {
  for (let i = 0; i < 5; i++) await login('alice@example.org', 'x', '::ffff:10.5.0.1');
  for (let i = 0; i < 5; i++) await login('alice@example.org', 'x', '10.5.0.1');
  const mapped = await login('alice@example.org', PASSWORD, '10.5.0.1');
  assert.equal(!mapped.ok && mapped.reason, 'throttled');
  await db().authFailure.deleteMany(); // keep the account under its per-minute rate
  for (let i = 0; i < 10; i++) await login('alice@example.org', 'x', `2001:db8:1:2::${i + 1}`);
  const sameBlock = await login('alice@example.org', PASSWORD, '2001:db8:1:2:ffff::9');
  assert.equal(!sameBlock.ok && sameBlock.reason, 'throttled');
  assert.equal((await login('alice@example.org', PASSWORD, '2001:db8:1:3::1')).ok, true);
});

test('a disabled mailbox cannot log in', async () => {
  await setMailboxEnabled('alice@example.org', false);
  const result = await authenticate({ username: 'alice@example.org', password: PASSWORD, protocol: 'imap' });
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
  assert.equal(
    (await authenticateToken({ username: 'Alice@example.net.', token, protocol: 'imap' })).ok,
    true,
  );
  assert.equal((await authenticateToken({ username: 'bob@example.org', token, protocol: 'imap' })).ok, false);
  assert.equal(await verifyAccessToken(`${token.slice(0, -2)}xx`), null);
  await setMailboxEnabled('alice@example.org', false);
  assert.equal(await verifyAccessToken(token), null);
  await setMailboxEnabled('alice@example.org', true);
  assert.ok(await verifyAccessToken(token));
  await new Promise((resolve) => setTimeout(resolve, 5));
  await setPassword('alice@example.org', 'Another-pw-5678');
  assert.equal(await verifyAccessToken(token), null);
  const expired = await mintAccessToken(user.id, -1);
  assert.equal(await verifyAccessToken(expired), null);
  await setPassword('alice@example.org', PASSWORD);
});

test('bearer-token guessing is throttled like password guessing, under the canonical account', async () => {
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  const good = await mintAccessToken(user.id);
  for (let i = 0; i < 10; i++)
    await authenticateToken({
      username: i % 2 ? 'alice@example.org' : 'ALICE@example.net.',
      token: `forged.${i}`,
      protocol: 'imap',
      clientIp: '10.3.0.1',
    });
  const token = (clientIp: string) =>
    authenticateToken({ username: 'alice@example.org', token: good, protocol: 'imap', clientIp });
  const blocked = await token('10.3.0.1');
  assert.equal(!blocked.ok && blocked.reason, 'throttled');
  assert.equal((await token('10.3.0.2')).ok, true);
  await db().authFailure.deleteMany();
  assert.equal((await token('10.3.0.1')).ok, true);
});
