import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import {
  addDomain,
  addMailbox,
  addAlias,
  expandAddress,
  removeDomain,
  listMailboxes,
  FieldError,
  listDomains,
} from '../../server/domain';
import { appendMessage, findDeliveryFolder } from '../../server/store';
import { db } from '../../server/core/db';

let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase();
});
after(async () => {
  await testDb.cleanup();
});

test('a domain is stored lower-case and in punycode', async () => {
  const domain = await addDomain('Bücher.Example');
  assert.equal(domain.domain, 'xn--bcher-kva.example');
  await assert.rejects(
    addDomain('BÜCHER.example'),
    (error: unknown) =>
      error instanceof FieldError && error.field === 'domain' && /already exists/.test(error.message),
  );
});

test('invalid domains are refused with a field error', async () => {
  for (const bad of ['', 'nodot', '-bad.example', 'a..b', `${'a'.repeat(64)}.example`, 'example.123']) {
    await assert.rejects(addDomain(bad), FieldError, bad);
  }
});

test('mailboxes get the default folders and aliases expand recursively', async () => {
  await addDomain('example.org');
  const alice = await addMailbox({
    address: 'Alice@Example.org',
    password: 'Correct-horse-9',
    displayName: 'Alice',
  });
  assert.equal(alice.address, 'alice@example.org');
  const folders = await db().folder.findMany({ where: { userId: alice.id }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    folders.map((f) => f.name),
    ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive'],
  );
  await addAlias('team@example.org', ['alice@example.org', 'partner@elsewhere.test']);
  await addAlias('boss@example.org', ['team@example.org']);
  const expansion = await expandAddress('boss@example.org');
  assert.deepEqual(
    expansion.mailboxes.map((m) => m.address),
    ['alice@example.org'],
  );
  assert.deepEqual(expansion.external, ['partner@elsewhere.test']);
  assert.equal(expansion.loops.length, 0);
});

test('an alias that closes a loop is refused and nothing is saved', async () => {
  await addAlias('a@example.org', ['b@example.org']);
  await assert.rejects(addAlias('b@example.org', ['a@example.org']), /loop/);
  assert.equal(await db().alias.count({ where: { sourceLocal: 'b' } }), 0);
});

test('weak passwords and bad addresses are refused', async () => {
  await assert.rejects(
    addMailbox({ address: 'bob@example.org', password: 'short' }),
    (e: unknown) => e instanceof FieldError && e.field === 'password',
  );
  await assert.rejects(
    addMailbox({ address: 'bob%x@example.org', password: 'Long-enough-1' }),
    (e: unknown) => e instanceof FieldError && e.field === 'address',
  );
  await assert.rejects(
    addMailbox({ address: 'bob@nowhere.example', password: 'Long-enough-1' }),
    /not a domain here/,
  );
  assert.equal((await listMailboxes({ search: 'bob' })).total, 0);
});

test('a domain with mailboxes is not removed without force', async () => {
  await assert.rejects(removeDomain('example.org'), /still has 1 mailbox/);
  assert.ok((await listDomains()).some((d) => d.domain === 'example.org'));
});

test('appending allocates increasing UIDs under concurrency and stores content once', async () => {
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  const inbox = await findDeliveryFolder(user.id);
  const raw = Buffer.from('From: x@y.test\r\nSubject: hi\r\n\r\nbody\r\n');
  const results = await Promise.all(
    Array.from({ length: 20 }, () => appendMessage(raw, [{ folderId: inbox }])),
  );
  const uids = results.map((r) => r[0]!.uid).sort((a, b) => a - b);
  assert.deepEqual(
    uids,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const blob = await db().blob.findFirstOrThrow();
  assert.equal(blob.refCount, 20);
  assert.equal(await db().blob.count(), 1);
});
