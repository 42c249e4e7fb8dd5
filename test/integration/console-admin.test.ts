// The console's admin rules below the pages, on both databases: an alias may not take over a
// mailbox (domain layer and CLI), the mailbox search takes % and _ literally, settings report
// every bad field, pasted qmail/sendmail lines keep their own action, a message's journey is in
// true order, and a domain admin's queue and logs hold only their own domains.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import {
  addAccessRule,
  addAlias,
  addDomain,
  addMailbox,
  expandAddress,
  FieldError,
  FieldErrors,
  ForbiddenError,
  listMailboxes,
  type Actor,
} from '../../server/domain';
import { saveSettingOverrides } from '../../server/domain/settings';
import { db } from '../../server/core/db';
import { flushEvents, recordEvent, recordEventSoon } from '../../server/core/events';
import { enqueueMessage } from '../../server/queue';
import { journey, listEvents } from '../../server/web/events-query';
import { getQueueEntry, listQueue } from '../../server/web/queue-query';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
let testDb: TestDatabase;
const superAdmin: Actor = { name: 'root@one.test', role: 'super' };
const oneAdmin: Actor = { name: 'boss@one.test', role: 'domain_admin', domains: ['one.test'] };

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('one.test');
  await addDomain('two.test');
  await addMailbox({ address: 'ann@one.test', password: 'Ann-Password-1' });
  await addMailbox({ address: 'a_b@one.test', password: 'Ab-Password-11', displayName: '100% real' });
  await addMailbox({ address: 'abc@one.test', password: 'Abc-Password-1', displayName: 'Plain' });
  await addMailbox({ address: 'zed@two.test', password: 'Zed-Password-1' });
});
after(async () => {
  await testDb.cleanup();
});

test("an alias on a mailbox's own address is refused, pointing to forwarding; delivery is unchanged", async () => {
  await assert.rejects(
    addAlias('ann@one.test', ['zed@two.test'], superAdmin),
    (error: unknown) =>
      error instanceof FieldError &&
      error.field === 'source' &&
      /is a mailbox.*forwarding/.test(error.message),
  );
  assert.equal(await db().alias.count({ where: { sourceLocal: 'ann', sourceDomain: 'one.test' } }), 0);
  const expansion = await expandAddress('ann@one.test');
  assert.deepEqual(
    expansion.mailboxes.map((mailbox) => mailbox.address),
    ['ann@one.test'],
  );
  // An address that is not a mailbox still takes an alias.
  await addAlias('team@one.test', ['ann@one.test'], superAdmin);
});

test('the CLI refuses the same alias with exit code 2 and the reason', () => {
  const result = spawnSync(process.execPath, [bin, 'alias', 'add', 'ann@one.test', 'zed@two.test'], {
    encoding: 'utf8',
    env: { ...process.env, POSTROOM_LOG: 'silent' },
  });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr + result.stdout, /ann@one\.test is a mailbox/);
});

test('the mailbox search takes % and _ literally', async () => {
  const search = async (text: string) =>
    (await listMailboxes({ search: text }, superAdmin)).rows.map((row) => row.address).sort();
  assert.deepEqual(await search('%'), ['a_b@one.test'], '% is only in a display name');
  assert.deepEqual(await search('a_'), ['a_b@one.test']);
  assert.deepEqual(await search('_'), [], 'no address starts with _ and no name holds one');
  assert.deepEqual(await search('a_b@one'), ['a_b@one.test']);
  assert.deepEqual(await search('a%'), []);
  assert.deepEqual(await search('\\'), []);
  assert.deepEqual(await search('ab'), ['abc@one.test']);
  const { total } = await listMailboxes({ search: 'a_' }, superAdmin);
  assert.equal(total, 1);
  // Scoped as before: a domain admin of two.test finds nothing of one.test.
  const twoAdmin: Actor = { name: 'x@two.test', role: 'domain_admin', domains: ['two.test'] };
  assert.equal((await listMailboxes({ search: 'a_' }, twoAdmin)).total, 0);
});

test('settings report every bad field at once and save nothing', async () => {
  await assert.rejects(
    saveSettingOverrides(
      { maxMessageBytes: 'lots', maxRecipients: '0', dnsblZones: 'not a zone!', idleTimeoutSeconds: '60' },
      superAdmin,
    ),
    (error: unknown) => {
      assert.ok(error instanceof FieldErrors);
      assert.deepEqual(Object.keys(error.fields).sort(), ['dnsblZones', 'maxMessageBytes', 'maxRecipients']);
      return true;
    },
  );
  assert.equal(await db().setting.count({ where: { key: { startsWith: 'override.' } } }), 0);
});

test('a pasted qmail or sendmail line keeps its own action whatever the menu says', async () => {
  const relay = await addAccessRule({ pattern: '127.0.0.1:allow,RELAYCLIENT=""', action: 'REJECT' });
  assert.deepEqual([relay.pattern, relay.scope, relay.action], ['127.0.0.1', 'connect', 'RELAY']);
  const deny = await addAccessRule({ pattern: '66.115.47.:deny', action: 'OK' });
  assert.deepEqual([deny.pattern, deny.scope, deny.action], ['66.115.47.', 'connect', 'REJECT']);
  const sendmail = await addAccessRule({
    pattern: 'From:spammer.example ERROR:"550 5.7.1 go away"',
    action: 'OK',
    scope: 'recipient',
  });
  assert.deepEqual(
    [sendmail.pattern, sendmail.scope, sendmail.action, sendmail.message],
    ['spammer.example', 'sender', 'REJECT', 'go away'],
  );
  // A bare pattern still takes the menu's action.
  const bare = await addAccessRule({ pattern: '192.0.2.0/24', action: 'OK' });
  assert.equal(bare.action, 'OK');
});

test("a message's journey is in the order things happened, even when a buffered event is written late", async () => {
  const queueId = 'ORDER0001';
  // The SMTP session buffers its events; the delivery is written at once, before the buffer.
  recordEventSoon({ protocol: 'smtp', action: 'connect', result: 'ok', queueId, clientIp: '127.0.0.1' });
  await new Promise((resolve) => setTimeout(resolve, 15));
  await recordEvent({
    protocol: 'smtp',
    action: 'delivered',
    result: 'delivered',
    queueId,
    user: 'ann@one.test',
  });
  await flushEvents();
  const events = await journey(queueId);
  assert.deepEqual(
    events?.map((event) => event.action),
    ['connect', 'delivered'],
  );
});

test("a domain admin's queue, entries, logs and journeys hold only their own domains", async () => {
  const content = Buffer.from('From: a@x\r\nSubject: t\r\n\r\nhello\r\n');
  const ours = await enqueueMessage({ sender: 'ann@one.test', recipients: ['far@remote.example'], content });
  const theirs = await enqueueMessage({
    sender: 'zed@two.test',
    recipients: ['far@remote.example'],
    content,
  });
  await recordEvent({
    protocol: 'queue',
    action: 'deferred',
    result: 'deferred',
    queueId: ours,
    user: 'ann@one.test',
  });
  await recordEvent({
    protocol: 'queue',
    action: 'deferred',
    result: 'deferred',
    queueId: theirs,
    user: 'zed@two.test',
  });

  const queue = await listQueue({ domains: oneAdmin.domains });
  assert.deepEqual(
    queue.rows.map((row) => row.queueId),
    [ours],
  );
  assert.equal(queue.total, 1);
  assert.equal((await listQueue({})).total, 2, 'a super admin sees everything');
  assert.ok(await getQueueEntry(ours, oneAdmin));
  await assert.rejects(getQueueEntry(theirs, oneAdmin), (error: unknown) => {
    assert.ok(error instanceof ForbiddenError);
    assert.deepEqual(error.refused, { actor: 'boss@one.test', role: 'domain_admin' });
    return true;
  });

  const events = await listEvents({ domains: oneAdmin.domains });
  assert.ok(events.length > 0);
  assert.ok(events.every((event) => event.user?.endsWith('@one.test')));
  assert.equal(await journey(theirs, oneAdmin.domains), null, "another domain's journey is not visible");
  assert.deepEqual(
    (await journey(ours, oneAdmin.domains))?.map((event) => event.user),
    ['ann@one.test'],
  );
  assert.deepEqual(await listEvents({ domains: [] }), [], 'no domains, no events');
});
