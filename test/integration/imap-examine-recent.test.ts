// RFC 3501 section 6.3.2: EXAMINE is SELECT read-only, and "\Recent" is not cleared by it: a
// session that only looked (EXAMINE, or STATUS) leaves new messages \Recent for the next SELECT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
});

async function login(): Promise<RawClient> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('a', `LOGIN ${env.address} "${PASSWORD}"`), /^a OK/m);
  return client;
}

test('EXAMINE, STATUS and FETCH in an EXAMINEd folder leave \\Recent for the next SELECT', async () => {
  const inbox = await findDeliveryFolder(env.userId);
  await appendMessage(raw('From: bob@example.net\nSubject: one\n\nfirst\n'), [{ folderId: inbox }]);
  await appendMessage(raw('From: bob@example.net\nSubject: two\n\nsecond\n'), [{ folderId: inbox }]);

  const looker = await login();
  assert.match(
    await looker.command('b', 'STATUS INBOX (RECENT MESSAGES)'),
    /\* STATUS "?INBOX"? \(RECENT 2 MESSAGES 2\)/,
  );
  const examined = await looker.command('c', 'EXAMINE INBOX');
  assert.match(examined, /^\* 2 RECENT\r$/m);
  assert.match(examined, /^c OK \[READ-ONLY\]/m);
  assert.match(await looker.command('d', 'FETCH 1:* (FLAGS BODY[TEXT])'), /\* 1 FETCH \(FLAGS \(\\Recent\)/);
  assert.match(await looker.command('e', 'NOOP'), /^e OK/m);
  // A second EXAMINE in the same session, then one in another session, still see them \Recent.
  assert.match(await looker.command('f', 'EXAMINE INBOX'), /^\* 2 RECENT\r$/m);
  const other = await login();
  assert.match(await other.command('b', 'EXAMINE INBOX'), /^\* 2 RECENT\r$/m);
  assert.match(await other.command('c', 'UNSELECT'), /^c OK/m);

  // The first SELECT claims them; after it, neither EXAMINE nor another SELECT does.
  const selecter = await login();
  assert.match(await selecter.command('b', 'SELECT INBOX'), /^\* 2 RECENT\r$/m);
  assert.match(await other.command('d', 'EXAMINE INBOX'), /^\* 0 RECENT\r$/m);
  assert.match(await looker.command('g', 'SELECT INBOX'), /^\* 0 RECENT\r$/m);
  for (const client of [looker, other, selecter]) client.close();
});

test('mail arriving while a folder is EXAMINEd stays \\Recent for the next SELECT', async () => {
  const inbox = await findDeliveryFolder(env.userId);
  const looker = await login();
  assert.match(await looker.command('b', 'EXAMINE INBOX'), /^\* 0 RECENT\r$/m);
  await appendMessage(raw('From: bob@example.net\nSubject: three\n\nthird\n'), [{ folderId: inbox }]);
  const noop = await looker.command('c', 'NOOP');
  assert.match(noop, /^\* 3 EXISTS\r$/m);
  assert.match(noop, /^\* 1 RECENT\r$/m);
  const selecter = await login();
  const selected = await selecter.command('b', 'SELECT INBOX');
  assert.match(selected, /^\* 1 RECENT\r$/m);
  assert.match(await selecter.command('c', 'FETCH 3 FLAGS'), /\* 3 FETCH \(FLAGS \(\\Recent\)\)/);
  for (const client of [looker, selecter]) client.close();
});
