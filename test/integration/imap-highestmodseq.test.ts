// With CONDSTORE on, a selected mailbox's new HIGHESTMODSEQ is announced as it rises (RFC 7162
// sections 3.1.2.1 and 3.2.10, as Dovecot does) with the EXISTS and FETCH updates: a two-way sync
// (interimap) keeps the announced value, and without it took its own APPENDs for changes at its next
// CHANGEDSINCE and "updated" their flags once more.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';

let env: ImapTestEnv;
let inbox: number;
before(async () => {
  env = await startImapTestEnv();
  inbox = await findDeliveryFolder(env.userId);
  await appendMessage(raw('From: first@example.net\nSubject: first\n\nbody\n'), [{ folderId: inbox }]);
});
after(async () => {
  await env.close();
});

async function selected(condstore: boolean): Promise<{ client: RawClient; modseq: bigint }> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  await client.command('l', `LOGIN alice@example.org "${PASSWORD}"`);
  if (condstore) assert.match(await client.command('e', 'ENABLE CONDSTORE'), /ENABLED CONDSTORE/);
  const answer = await client.command('s', 'SELECT INBOX');
  return { client, modseq: BigInt(/HIGHESTMODSEQ (\d+)/.exec(answer)?.[1] ?? '0') };
}

const announced = (text: string) =>
  [...text.matchAll(/^\* OK \[HIGHESTMODSEQ (\d+)\]/gm)].map((m) => BigInt(m[1]!));

test('new mail while IDLE: EXISTS comes with the new HIGHESTMODSEQ', async () => {
  const { client, modseq } = await selected(true);
  client.write('i1 IDLE\r\n');
  await client.readUntil(/^\+ .*\r\n/m);
  const [delivered] = await appendMessage(raw('From: new@example.net\nSubject: new\n\nhello\n'), [
    { folderId: inbox },
  ]);
  const update = await client.readUntil(/^\* OK \[HIGHESTMODSEQ \d+\].*\r\n/m, 20_000);
  assert.match(update, /^\* \d+ EXISTS\r\n/m);
  assert.deepEqual(announced(update), [delivered!.modseq]);
  assert.ok(delivered!.modseq > modseq);
  client.write('DONE\r\n');
  await client.readUntil(/^i1 OK.*\r\n/m);
  client.close();
});

test("a client's own APPEND: HIGHESTMODSEQ announced, and CHANGEDSINCE it finds nothing to update", async () => {
  const { client } = await selected(true);
  const message = 'From: me@example.org\r\nSubject: copied\r\n\r\ncopied by a sync\r\n';
  client.write(`a1 APPEND INBOX (\\Seen) {${Buffer.byteLength(message)}+}\r\n${message}\r\n`);
  const appended = await client.readUntil(/^a1 .*\r\n/m);
  assert.match(appended, /^a1 OK/m);
  const all = `${appended}${await client.command('n1', 'NOOP')}`;
  const values = announced(all);
  assert.equal(values.length, 1, all);
  const changed = await client.command('f1', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${values[0]})`);
  assert.doesNotMatch(changed, /^\* \d+ FETCH/m);
  client.close();
});

test("another session's flag change: FETCH with MODSEQ; own STORE adds no extra announcement", async () => {
  const { client } = await selected(true);
  const other = await selected(false);
  assert.match(await other.client.command('o1', 'UID STORE 1 +FLAGS (\\Flagged)'), /^o1 OK/m);
  const update = await client.command('n1', 'NOOP');
  assert.match(update, /^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged\) MODSEQ \((\d+)\)\)/m);
  const store = await client.command('t1', 'STORE 1 +FLAGS (\\Answered)');
  assert.match(store, /MODSEQ \(\d+\)/);
  assert.deepEqual(announced(store), []);
  other.client.close();
  client.close();
});

test('without CONDSTORE no HIGHESTMODSEQ is announced', async () => {
  const { client } = await selected(false);
  await appendMessage(raw('From: plain@example.net\nSubject: plain\n\nx\n'), [{ folderId: inbox }]);
  let update = '';
  for (let i = 0; i < 40 && !/EXISTS/.test(update); i++) {
    update += await client.command(`n${i}`, 'NOOP');
    if (!/EXISTS/.test(update)) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.match(update, /EXISTS/);
  assert.deepEqual(announced(update), []);
  client.close();
});

test('EXPUNGE: the new HIGHESTMODSEQ is in its tagged OK, not said twice', async () => {
  const { client } = await selected(true);
  await client.command('d1', 'UID STORE 1 +FLAGS.SILENT (\\Deleted)');
  const expunge = await client.command('x1', 'EXPUNGE');
  assert.match(expunge, /^\* 1 EXPUNGE\r\nx1 OK \[HIGHESTMODSEQ \d+\]/m);
  assert.deepEqual(announced(expunge), []);
  client.close();
});
