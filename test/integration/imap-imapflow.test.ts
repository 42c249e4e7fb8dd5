// imapflow's command set against the server, over STARTTLS and implicit TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, imapflowClient, raw, type ImapTestEnv } from './imap-support';
import { updateMailboxDetails } from '../../server/domain';
import { appendMessage, findDeliveryFolder } from '../../server/store';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
});

const note = (n: number) =>
  raw(
    `From: Dana <dana@example.net>\nTo: alice@example.org\nSubject: Note ${n}\nMessage-ID: <note${n}@example.net>\n\nNote number ${n}.\n`,
  );

for (const implicit of [false, true]) {
  test(`imapflow flags, copy, move, delete, search, fetch, status and quota (${implicit ? 'implicit TLS' : 'STARTTLS'})`, async () => {
    const folder = implicit ? 'FlowTLS' : 'FlowStart';
    const client = imapflowClient(env, implicit);
    await client.connect();
    await client.mailboxCreate(folder);
    for (const n of [1, 2, 3, 4]) await client.append(folder, note(n));
    const opened = await client.mailboxOpen(folder);
    assert.equal(opened.exists, 4);
    assert.ok(opened.highestModseq! > 0n);
    assert.ok(await client.messageFlagsAdd('1:2', ['\\Seen', '$Done']));
    assert.ok(await client.messageFlagsRemove('2', ['$Done']));
    assert.ok(await client.messageFlagsSet({ uid: '3' }, ['\\Flagged'], { uid: true }));
    const flags = new Map<number, string[]>();
    for await (const message of client.fetch('1:*', { uid: true, flags: true, envelope: true }))
      flags.set(message.uid, [...message.flags!].sort());
    assert.deepEqual(flags.get(1), ['$Done', '\\Seen']);
    assert.deepEqual(flags.get(2), ['\\Seen']);
    assert.deepEqual(flags.get(3), ['\\Flagged']);
    assert.deepEqual(flags.get(4), []);
    assert.deepEqual(await client.search({ seen: true }), [1, 2]);
    assert.deepEqual(await client.search({ keyword: '$Done' }, { uid: true }), [1]);
    const copied = await client.messageCopy('1', 'Archive');
    assert.equal(copied && copied.destination, 'Archive');
    assert.equal(copied && copied.uidMap?.size, 1);
    const moved = await client.messageMove('2', 'Trash');
    assert.equal(moved && moved.uidMap?.size, 1);
    assert.equal((client.mailbox as { exists: number }).exists, 3);
    assert.ok(await client.messageDelete('1'));
    assert.equal((client.mailbox as { exists: number }).exists, 2);
    const remaining: string[] = [];
    for await (const message of client.fetch('1:*', { envelope: true }))
      remaining.push(message.envelope!.subject!);
    assert.deepEqual(remaining, ['Note 3', 'Note 4']);
    const status = await client.status(folder, { messages: true, unseen: true, uidNext: true });
    assert.ok(status);
    assert.deepEqual([status.messages, status.unseen, status.uidNext], [2, 2, 5]);
    await client.mailboxClose();
    await client.logout();
  });
}

test('imapflow IDLE hears a delivery; QUOTA and OVERQUOTA on APPEND', async () => {
  const client = imapflowClient(env, true);
  await client.connect();
  await client.mailboxOpen('INBOX');
  const before = (client.mailbox as { exists: number }).exists;
  const heard = new Promise<number>((resolve) =>
    client.on('exists', (data: { count: number }) => resolve(data.count)),
  );
  const idling = client.idle();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await appendMessage(note(99), [{ folderId: await findDeliveryFolder(env.userId) }]);
  assert.equal(await heard, before + 1);
  await client.noop(); // ends IDLE
  await idling;
  await updateMailboxDetails(env.address, { quota: 200 * 1024 });
  const quota = await client.getQuota('INBOX');
  assert.ok(quota && quota.storage, 'QUOTA reports storage');
  assert.equal(quota && quota.storage!.limit, 200 * 1024);
  await assert.rejects(
    client.append('INBOX', Buffer.concat([note(100), Buffer.alloc(300 * 1024, 0x61)])),
    (error: unknown) =>
      /OVERQUOTA/i.test(
        String((error as { serverResponseCode?: string }).serverResponseCode ?? (error as Error).message),
      ),
  );
  await updateMailboxDetails(env.address, { quota: 0 });
  await client.logout();
});
