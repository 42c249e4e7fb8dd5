// Two sessions on one folder in two worker processes see each other's changes at the right
// moments (RFC 9051 section 7.5.1: never EXPUNGE during FETCH, STORE or SEARCH by number), and
// IDLE reports a delivery within a second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startImapTestEnv,
  RawClient,
  PASSWORD,
  raw,
  type ImapTestEnv,
  startChildImapServer,
  type ChildImapServer,
} from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';

let env: ImapTestEnv;
let child: ChildImapServer;
let childPorts: { imap: number; imaps: number };

before(async () => {
  env = await startImapTestEnv();
  child = await startChildImapServer();
  childPorts = child.ports;
});
after(async () => {
  await child.stop();
  await env.close();
});

async function login(port: number, folder = 'INBOX'): Promise<RawClient> {
  const client = await RawClient.tls(port);
  assert.match(await client.command('l', `LOGIN alice@example.org "${PASSWORD}"`), /^l OK/m);
  assert.match(await client.command('s', `SELECT ${folder}`), /^s OK/m);
  return client;
}

const message = (n: number) => raw(`From: x@example.net\nSubject: message ${n}\n\nbody ${n}\n`);

test('changes made in another process arrive as EXISTS, FETCH and (only when allowed) EXPUNGE', async () => {
  const a = await login(env.servers.ports.imaps!);
  const b = await login(childPorts.imaps);
  for (const n of [1, 2, 3]) {
    b.write(`ap${n} APPEND INBOX {${message(n).length}+}\r\n`);
    b.write(message(n));
    b.write('\r\n');
    assert.match(await b.readUntil(new RegExp(`^ap${n} .*\\r\\n`, 'm')), new RegExp(`^ap${n} OK`, 'm'));
  }
  // The poller runs every 250 ms; NOOP after a moment reports the new messages.
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.match(await a.command('n1', 'NOOP'), /\* 3 EXISTS\r\n(\* \d+ RECENT\r\n)?n1 OK/);

  assert.match(await b.command('f1', 'STORE 2 +FLAGS.SILENT (\\Flagged)'), /^f1 OK/m);
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.match(await a.command('n2', 'NOOP'), /\* 2 FETCH \(UID 2 FLAGS \(\\Flagged\)\)\r\nn2 OK/);

  assert.match(await b.command('d1', 'STORE 1 +FLAGS.SILENT (\\Deleted)'), /^d1 OK/m);
  assert.match(await b.command('d2', 'EXPUNGE'), /\* 1 EXPUNGE/);
  await new Promise((resolve) => setTimeout(resolve, 600));
  // FETCH and STORE by sequence number must not see the EXPUNGE; numbering stays as it was.
  const fetch = await a.command('x1', 'FETCH 1:* (UID)');
  assert.doesNotMatch(fetch, /EXPUNGE/);
  assert.match(fetch, /\* 2 FETCH \(UID 2\)\r\n\* 3 FETCH \(UID 3\)/);
  assert.doesNotMatch(await a.command('x2', 'SEARCH ALL'), /EXPUNGE/);
  // A UID command may report it, as may NOOP.
  assert.match(await a.command('x3', 'UID FETCH 3 (UID)'), /\* 1 EXPUNGE\r\n/);
  assert.match(
    await a.command('x4', 'FETCH 1:* (UID)'),
    /\* 1 FETCH \(UID 2\)\r\n\* 2 FETCH \(UID 3\)\r\nx4 OK/,
  );
  a.close();
  b.close();
});

test('IDLE reports a delivery from another process and from this one within a second', async () => {
  const a = await login(env.servers.ports.imaps!);
  const exists = Number(/MESSAGES (\d+)/.exec(await a.command('c', 'STATUS INBOX (MESSAGES)'))![1]);
  a.write('i1 IDLE\r\n');
  await a.readUntil(/^\+ .*\r\n/m);
  const b = await login(childPorts.imaps);
  const started = Date.now();
  b.write(`ap APPEND INBOX {${message(9).length}+}\r\n`);
  b.write(message(9));
  b.write('\r\n');
  await b.readUntil(/^ap OK.*\r\n/m);
  await a.readUntil(new RegExp(`^\\* ${exists + 1} EXISTS\\r\\n`, 'm'), 1500);
  assert.ok(Date.now() - started < 1200, `took ${Date.now() - started} ms`);
  const inbox = await findDeliveryFolder(env.userId);
  const local = Date.now();
  await appendMessage(message(10), [{ folderId: inbox }]);
  await a.readUntil(new RegExp(`^\\* ${exists + 2} EXISTS\\r\\n`, 'm'), 1000);
  assert.ok(Date.now() - local < 1000);
  a.write('DONE\r\n');
  assert.match(await a.readUntil(/^i1 .*\r\n/m), /^i1 OK/m);
  a.close();
  b.close();
});
