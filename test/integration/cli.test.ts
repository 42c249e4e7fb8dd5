// The postroom CLI end to end, as an admin scripts it: real database. Most commands run through
// postroomCommand (the compiled CLI in a long-lived thread: a process start costs seconds); reading
// the password from a real pipe, migrate and --help run bin/postroom.js as its own process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { db } from '../../server/core/db';
import { verifyPassword } from '../../server/auth/password';
import { enqueueMessage } from '../../server/queue';
import { postroomCommand } from '../helpers/postroom-cli';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
let testDb: TestDatabase;

const postroom = postroomCommand;

/** bin/postroom.js in its own process. */
function postroomProcess(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, POSTROOM_LOG: 'silent' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

before(async () => {
  testDb = await createTestDatabase();
});
after(async () => {
  await testDb.cleanup();
});

test('domain add, list and remove', () => {
  assert.equal(postroom(['domain', 'add', 'Example.ORG']).code, 0);
  assert.equal(postroom(['domain', 'add', 'example.net', '--alias-of', 'example.org']).code, 0);
  const list = postroom(['domain', 'list']);
  assert.equal(list.code, 0);
  assert.match(list.out, /example\.org/);
  assert.match(list.out, /example\.net\s+yes\s+example\.org/);
  assert.equal(postroom(['domain', 'add', 'temp.example']).code, 0);
  assert.equal(postroom(['domain', 'remove', 'temp.example']).code, 0);
  assert.doesNotMatch(postroom(['domain', 'list']).out, /temp\.example/);
});

test('user add with --password-stdin stores a hash, never the password', async () => {
  const result = postroomProcess(
    ['user', 'add', 'alice@example.org', '--password-stdin', '--name', 'Alice', '--quota', '2G'],
    'Alice-pw-1234!\n',
  );
  assert.equal(result.code, 0, result.err);
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  assert.equal(user.quotaBytes, 2n * 1024n ** 3n);
  assert.notEqual(user.passwordHash, 'Alice-pw-1234!');
  assert.equal(await verifyPassword('Alice-pw-1234!', user.passwordHash), true);
  assert.match(postroom(['user', 'list']).out, /alice@example\.org\s+Alice\s+user\s+yes/);
});

test('user passwd, disable and enable', async () => {
  assert.equal(
    postroom(['user', 'passwd', 'alice@example.org', '--password-stdin'], 'New-password-42\n').code,
    0,
  );
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  assert.equal(await verifyPassword('New-password-42', user.passwordHash), true);
  assert.equal(postroom(['user', 'disable', 'alice@example.org']).code, 0);
  assert.equal((await db().user.findFirstOrThrow({ where: { local: 'alice' } })).enabled, false);
  assert.equal(postroom(['user', 'enable', 'alice@example.org']).code, 0);
});

test('alias add, list and remove', () => {
  assert.equal(
    postroom(['alias', 'add', 'team@example.org', 'alice@example.org', 'partner@elsewhere.test']).code,
    0,
  );
  assert.match(
    postroom(['alias', 'list']).out,
    /team@example\.org\s+alice@example\.org, partner@elsewhere\.test/,
  );
  assert.equal(postroom(['alias', 'add', '@example.org', 'alice@example.org']).code, 0);
  assert.equal(postroom(['alias', 'remove', 'team@example.org', 'partner@elsewhere.test']).code, 0);
  assert.doesNotMatch(postroom(['alias', 'list']).out, /partner@elsewhere/);
});

test('access add (sendmail and qmail forms), list, check and remove', () => {
  assert.equal(postroom(['access', 'add', '192.168.0.0/24', 'RELAY']).code, 0);
  assert.equal(postroom(['access', 'add', '66.115.47.:deny']).code, 0);
  assert.equal(postroom(['access', 'add', '@spam.com', 'REJECT', '--message', 'no spam here']).code, 0);
  const list = postroom(['access', 'list']).out;
  assert.match(list, /connect\s+192\.168\.0\.0\/24\s+RELAY/);
  assert.match(list, /connect\s+66\.115\.47\.\s+REJECT/);
  assert.match(postroom(['access', 'check', '--ip', '66.115.47.9']).out, /REJECT/);
  assert.match(postroom(['access', 'check', '--sender', 'a@spam.com']).out, /"no spam here"/);
  const id = /^(\d+)\s+\d+\s+connect\s+192/m.exec(list)![1]!;
  assert.equal(postroom(['access', 'remove', id]).code, 0);
  assert.doesNotMatch(postroom(['access', 'list']).out, /192\.168\.0\.0/);
});

test('bad input: one line naming the field, exit code 2, nothing written', async () => {
  const cases: [string[], string | undefined, RegExp][] = [
    [['domain', 'add', 'not_a_domain'], undefined, /^postroom: domain: /],
    [['domain', 'add', 'example.org'], undefined, /already exists/],
    [['domain', 'remove', 'example.org'], undefined, /still has 1 mailbox/],
    [
      ['user', 'add', 'bad address@example.org', '--password-stdin'],
      'Long-enough-pw-1\n',
      /^postroom: address: /,
    ],
    [['user', 'add', 'alice@example.org', '--password-stdin'], 'Long-enough-pw-1\n', /already exists/],
    [['user', 'add', 'carol@example.org', '--password-stdin'], '\n', /^postroom: password: is required/],
    [['user', 'add', 'carol@example.org', '--password-stdin'], 'weakweak\n', /^postroom: password: /],
    [
      ['user', 'add', 'carol@example.org', '--password-stdin', '--quota', 'lots'],
      'Long-enough-pw-1\n',
      /^postroom: quota: /,
    ],
    [['access', 'add', '10.0.0.0/40', 'RELAY'], undefined, /^postroom: pattern: /],
    [['access', 'add', '10.0.0.1', 'PERMIT'], undefined, /^postroom: action: /],
    [['user', 'add'], undefined, /usage/],
    [['user', 'add', 'x@example.org', '--bogus'], undefined, /Unknown option/],
  ];
  for (const [args, input, pattern] of cases) {
    const result = postroom(args, input);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.err}`);
    assert.match(result.err.trim().split('\n')[0]!, pattern, args.join(' '));
  }
  assert.equal(await db().user.count({ where: { local: 'carol' } }), 0);
  assert.equal(await db().domain.count(), 2);
});

test('queue list, retry, bounce and delete', async () => {
  const later = new Date(Date.now() + 3_600_000);
  const first = await enqueueMessage({
    sender: 'alice@example.org',
    recipients: ['far@remote.test'],
    content: Buffer.from('Subject: a\r\n\r\nx\r\n'),
    notBefore: later,
  });
  const second = await enqueueMessage({
    sender: 'alice@example.org',
    recipients: ['other@remote.test'],
    content: Buffer.from('Subject: b\r\n\r\ny\r\n'),
    notBefore: later,
  });
  const list = postroom(['queue', 'list']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, new RegExp(`${first}\\s+alice@example\\.org\\s+far@remote\\.test`));
  assert.equal(postroom(['queue', 'retry', first]).code, 0);
  const retried = await db().queueEntry.findUniqueOrThrow({ where: { queueId: first } });
  assert.ok(retried.nextAttemptAt.getTime() <= Date.now() + 1000);
  assert.equal(postroom(['queue', 'delete', second]).code, 0);
  assert.equal(await db().queueEntry.count({ where: { queueId: second } }), 0);
  assert.equal(postroom(['queue', 'retry', 'NOSUCHID']).code, 1);
  assert.equal(postroom(['queue', 'bounce', first]).code, 0);
  assert.doesNotMatch(postroom(['queue', 'list']).out, new RegExp(first));
});

test('domain dkim makes a 2048-bit key and prints the TXT record', () => {
  const none = postroom(['domain', 'dkim', 'example.org']);
  assert.match(none.out, /no DKIM key yet/);
  const made = postroom(['domain', 'dkim', 'example.org', '--new', '--selector', 'pr1']);
  assert.equal(made.code, 0, made.err);
  const value = /pr1\._domainkey\.example\.org\. IN TXT "v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)"/.exec(made.out);
  assert.ok(value, made.out);
  // A 2048-bit RSA SubjectPublicKeyInfo is 294 bytes.
  assert.equal(Buffer.from(value[1]!, 'base64').length, 294);
  assert.match(postroom(['domain', 'dkim', 'example.org']).out, /pr1\._domainkey/);
});

test('migrate is idempotent and --help works', () => {
  const result = postroomProcess(['migrate']);
  assert.equal(result.code, 0);
  assert.match(result.out, /up to date/);
  const help = postroomProcess(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /postroom user add ADDRESS/);
  assert.equal(postroom(['domain', 'add', '--help']).code, 0);
});
