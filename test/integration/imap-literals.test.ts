// IMAP literal announcements over real sockets with more digits than any limit: refused, never
// stored as text, and what the client sends after them is never read as commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, RawClient, PASSWORD, type ImapTestEnv } from './imap-support';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
});

async function loggedIn(): Promise<RawClient> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('l', `LOGIN alice@example.org "${PASSWORD}"`), /^l OK/m);
  return client;
}

test('a synchronising literal of 23 digits is refused without a continuation; nothing is stored', async () => {
  const client = await loggedIn();
  client.write(`a1 APPEND INBOX {${'9'.repeat(23)}}\r\n`);
  const answer = await client.readUntil(/^a1 .*\r\n/m);
  assert.match(answer, /^a1 NO \[TOOBIG\]/m);
  assert.doesNotMatch(answer, /^\+/m);
  // The client, refused, sends its next command: it is a command, not literal data.
  assert.match(await client.command('a2', 'STATUS INBOX (MESSAGES)'), /MESSAGES 0\)/);
  client.close();
});

test('a LITERAL+ too large to skip: tagged BAD, BYE, the connection closes, what follows never runs', async () => {
  const client = await loggedIn();
  const closed = new Promise((resolve) => client.socket.once('close', resolve));
  // What follows the marker would be read as commands if the marker were taken for text.
  client.write(`b1 APPEND INBOX {${'9'.repeat(23)}+}\r\nb2 CREATE Injected\r\nb3 LOGOUT\r\n`);
  const answer = await client.readUntil(/^\* BYE .*\r\n/m);
  assert.match(answer, /^b1 BAD \[TOOBIG\]/m);
  await closed;
  assert.doesNotMatch(client.pending(), /^b2 /m);

  const check = await loggedIn();
  assert.doesNotMatch(await check.command('c1', 'LIST "" "*"'), /Injected/);
  assert.match(await check.command('c2', 'STATUS INBOX (MESSAGES)'), /MESSAGES 0\)/);
  check.close();
});

test('a LITERAL+ over the APPEND limit but announced in digits that fit is refused the same way', async () => {
  const client = await loggedIn();
  const closed = new Promise((resolve) => client.socket.once('close', resolve));
  client.write('d1 APPEND INBOX {60000000000+}\r\nd2 NOOP\r\n');
  assert.match(await client.readUntil(/^\* BYE .*\r\n/m), /^d1 BAD \[TOOBIG\]/m);
  await closed;
});
