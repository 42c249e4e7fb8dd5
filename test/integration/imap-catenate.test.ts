// APPEND ... CATENATE (RFC 4469) over TLS with synchronising literals, as a client sends it: text
// parts, a section of another message (relative URL) and a whole message (absolute URL) make one
// message; bad, foreign and stale URLs are NO [BADURL] and store nothing, even in MULTIAPPEND.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { addMailbox } from '../../server/domain';
import { appendMessage, findDeliveryFolder } from '../../server/store';

let env: ImapTestEnv;
let uidValidity: number;
const FIRST = raw(
  'From: a@example.net\nSubject: one\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nfirst part\n--x\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC/w==\n--x--\n',
);
const SECOND = raw('From: b@example.net\nSubject: two\n\nsecond body\n');

before(async () => {
  env = await startImapTestEnv();
  const inbox = await findDeliveryFolder(env.userId);
  await appendMessage(FIRST, [{ folderId: inbox }]);
  await appendMessage(SECOND, [{ folderId: inbox }]);
  const bob = await addMailbox({ address: 'bob@example.org', password: PASSWORD });
  await appendMessage(raw('From: x@example.net\nSubject: private\n\nbob only\n'), [
    { folderId: await findDeliveryFolder(bob.id) },
  ]);
});
after(async () => {
  await env.close();
});

/** Sends a command whose Buffers are synchronising literals: each waits for the server's "+". */
async function send(client: RawClient, tag: string, pieces: (string | Buffer)[]): Promise<string> {
  let text = `${tag} `;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
      continue;
    }
    client.write(`${text}{${piece.length}}\r\n`);
    const reply = await client.readUntil(/^(\+ |\S+ (NO|BAD) ).*\r\n/m);
    if (!reply.startsWith('+')) return reply;
    client.write(piece);
    text = '';
  }
  client.write(`${text}\r\n`);
  return client.readUntil(new RegExp(`^${tag} (OK|NO|BAD).*\\r\\n`, 'm'));
}

async function login(): Promise<RawClient> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('l', `LOGIN ${env.address} "${PASSWORD}"`), /^l OK/m);
  assert.match(await client.command('c', 'CAPABILITY'), /^\* CAPABILITY .* CATENATE[ \r]/m);
  const selected = await client.command('s', 'SELECT INBOX');
  uidValidity = Number(/UIDVALIDITY (\d+)/.exec(selected)![1]);
  return client;
}

async function count(client: RawClient): Promise<number> {
  return Number(/MESSAGES (\d+)/.exec(await client.command('st', 'STATUS INBOX (MESSAGES)'))![1]);
}

test('CATENATE joins text, a relative URL section and an absolute URL of a whole message, without setting \\Seen', async () => {
  const client = await login();
  const head = raw(
    'From: c@example.org\nSubject: forward\nContent-Type: multipart/mixed; boundary=y\n\n--y\n',
  );
  const middle = raw('\n--y\nContent-Type: message/rfc822\n\n');
  const tail = raw('\n--y--\n');
  const absolute = `imap://alice%40example.org@example.org/INBOX;UIDVALIDITY=${uidValidity}/;UID=2`;
  const reply = await send(client, 'a', [
    'APPEND INBOX (\\Flagged) CATENATE (TEXT ',
    head,
    ' URL ";UID=1/;SECTION=1.MIME" URL "/INBOX/;UID=1/;SECTION=1" TEXT ',
    middle,
    ` URL "${absolute}" TEXT `,
    tail,
    ')',
  ]);
  assert.match(reply, /^a OK \[APPENDUID \d+ 3\]/m);

  const mime = raw('Content-Type: text/plain\n\n');
  const expected = Buffer.concat([head, mime, raw('first part'), middle, SECOND, tail]).toString('latin1');
  const fetched = await client.command(
    'f',
    'FETCH 3 (FLAGS BODY.PEEK[] BODY.PEEK[2.HEADER.FIELDS (SUBJECT)])',
  );
  assert.ok(fetched.includes(`BODY[] {${expected.length}}\r\n${expected}`), fetched);
  assert.match(fetched, /FLAGS \([^)]*\\Flagged/);
  assert.match(fetched, /Subject: two/);
  assert.doesNotMatch(await client.command('g', 'FETCH 1:2 FLAGS'), /\\Seen/);
  client.close();
});

test('MULTIAPPEND with CATENATE and a plain literal; a bad URL in the second message stores neither', async () => {
  const client = await login();
  const before = await count(client);
  const ok = await send(client, 'm', [
    'APPEND INBOX CATENATE (URL ";UID=2/;SECTION=HEADER" TEXT ',
    raw('new body\n'),
    ') ',
    raw('Subject: plain\n\nplain\n'),
  ]);
  assert.match(ok, /^m OK \[APPENDUID \d+ \d+:\d+\]/m);
  assert.equal(await count(client), before + 2);

  const stale = `/INBOX;UIDVALIDITY=${uidValidity + 1}/;UID=1`;
  const bad = await send(client, 'n', [
    'APPEND INBOX CATENATE (TEXT ',
    raw('Subject: fine\n\nfine\n'),
    `) CATENATE (URL "${stale}" TEXT `,
    raw('x\n'),
    ')',
  ]);
  assert.match(bad, new RegExp(`^n NO \\[BADURL ${stale.replace(/[;/]/g, '\\$&')}\\]`, 'm'));
  assert.equal(await count(client), before + 2);
  client.close();
});

test('URLs of a missing message, a missing part, another user or bad syntax are BADURL; a missing mailbox is TRYCREATE first', async () => {
  const client = await login();
  const before = await count(client);
  for (const url of [
    ';UID=99',
    '/INBOX/;UID=2/;SECTION=4',
    'imap://bob%40example.org@example.org/INBOX/;UID=1',
    'imap://bob@example.org/INBOX/;UID=1',
    '/INBOX/;UID=0',
    'http://example.org/',
  ]) {
    const reply = await send(client, 'b', [
      `APPEND INBOX CATENATE (TEXT `,
      raw('Subject: t\n\n'),
      ` URL "${url}")`,
    ]);
    assert.match(reply, /^b NO \[BADURL [^\]]+\]/m, url);
  }
  assert.equal(await count(client), before);
  const missing = await send(client, 't', [
    'APPEND Nowhere CATENATE (URL "/INBOX;UIDVALIDITY=1/;UID=1" TEXT ',
    raw('x\n'),
    ')',
  ]);
  assert.match(missing, /^t NO \[TRYCREATE\]/m);
  assert.match(await client.command('e', 'APPEND INBOX CATENATE ()'), /^e BAD/m);
  client.close();
});
