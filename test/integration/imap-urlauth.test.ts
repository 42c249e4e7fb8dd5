// URLAUTH (RFC 4467) and URLAUTH=BINARY (RFC 5524) with real clients over TLS: GENURLAUTH and
// URLFETCH round trip (also through Python's imaplib against a second worker process, since the
// mailbox keys live in the database), RESETKEY revokes, access identifiers and other users'
// mailboxes are enforced, and URLFETCH BINARY decodes a base64 part.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  startImapTestEnv,
  RawClient,
  PASSWORD,
  raw,
  type ImapTestEnv,
  startChildImapServer,
  type ChildImapServer,
} from './imap-support';
import { addMailbox } from '../../server/domain';
import { appendMessage, createFolder, findDeliveryFolder } from '../../server/store';
import { mailboxKey } from '../../server/store/urlauth-keys';

const run = promisify(execFile);
let env: ImapTestEnv;
let child: ChildImapServer;
let childPorts: { imap: number; imaps: number };
const SECRET = 'hello \x00binary\r\nworld';
const FIRST = raw(
  `From: a@example.net\nSubject: one\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nintro\n--x\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${Buffer.from(SECRET, 'latin1').toString('base64')}\n--x--\n`,
);
const BOB = raw('From: x@example.net\nSubject: bob\n\nbob only\n');

before(async () => {
  env = await startImapTestEnv();
  await appendMessage(FIRST, [{ folderId: await findDeliveryFolder(env.userId) }]);
  const bob = await addMailbox({ address: 'bob@example.org', password: PASSWORD });
  await appendMessage(BOB, [{ folderId: await findDeliveryFolder(bob.id) }]);
  child = await startChildImapServer();
  childPorts = child.ports;
});
after(async () => {
  await child.stop();
  await env.close();
});

async function login(user = env.address): Promise<RawClient> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('l', `LOGIN ${user} "${PASSWORD}"`), /^l OK/m);
  return client;
}

async function generate(client: RawClient, rump: string): Promise<string> {
  const reply = await client.command('g', `GENURLAUTH "${rump}" INTERNAL`);
  assert.match(reply, /^g OK/m, reply);
  const url = /^\* GENURLAUTH "?([^"\s]+)"?\r\n/m.exec(reply)![1]!;
  assert.ok(url.startsWith(`${rump}:INTERNAL:`) && /:[0-9a-f]{64}$/.test(url), url);
  return url;
}

/** URLFETCH of one URL: its literal, or null for NIL. */
async function urlfetch(client: RawClient, url: string): Promise<string | null> {
  const reply = await client.command('u', `URLFETCH "${url}"`);
  assert.match(reply, /^u OK/m, reply);
  const match = /^\* URLFETCH \S+ (?:NIL|\{(\d+)\}\r\n)/m.exec(reply);
  assert.ok(match, reply);
  if (match[1] === undefined) return null;
  const start = match.index + match[0].length;
  return reply.slice(start, start + Number(match[1]));
}

const PYTHON = `
import imaplib, json, ssl, sys
imaplib.Commands["URLFETCH"] = ("AUTH", "SELECTED")
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
m.login(sys.argv[2], sys.argv[3])
typ, data = m._simple_command("URLFETCH", '"%s"' % sys.argv[4])
typ, data = m._untagged_response(typ, data, "URLFETCH")
item = data[0]
print(json.dumps({"typ": typ, "body": item[1].decode("latin1") if isinstance(item, tuple) else None, "line": (item[0] if isinstance(item, tuple) else item).decode()}))
m.logout()
`;

async function pythonUrlfetch(
  port: number,
  user: string,
  url: string,
): Promise<{ typ: string; body: string | null; line: string }> {
  const { stdout } = await run('python3', ['-c', PYTHON, String(port), user, PASSWORD, url], {
    timeout: 20_000,
  });
  return JSON.parse(stdout) as { typ: string; body: string | null; line: string };
}

test('GENURLAUTH and URLFETCH round trip, in this process and (imaplib) in another; RESETKEY revokes', async () => {
  const alice = await login();
  assert.match(await alice.command('c', 'CAPABILITY'), /^\* CAPABILITY .* URLAUTH URLAUTH=BINARY[ \r]/m);
  const validity = /UIDVALIDITY (\d+)/.exec(await alice.command('s', 'SELECT INBOX'))![1];
  const url = await generate(
    alice,
    `imap://alice%40example.org@example.org/INBOX;UIDVALIDITY=${validity}/;UID=1;URLAUTH=user+alice%40example.org`,
  );
  assert.equal(await urlfetch(alice, url), FIRST.toString('latin1'));
  assert.equal(
    await urlfetch(
      alice,
      url.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    ),
    null,
    'tampered token',
  );
  assert.equal(await urlfetch(alice, url.slice(0, url.indexOf(':INTERNAL:'))), null, 'rump without token');

  const other = await pythonUrlfetch(childPorts.imaps, env.address, url);
  assert.equal(other.typ, 'OK');
  assert.equal(other.body, FIRST.toString('latin1'));

  assert.match(await alice.command('r', 'RESETKEY INBOX INTERNAL'), /^r OK \[URLMECH INTERNAL\]/m);
  assert.equal(await urlfetch(alice, url), null);
  assert.equal((await pythonUrlfetch(childPorts.imaps, env.address, url)).body, null);
  const again = await generate(alice, url.slice(0, url.indexOf(':INTERNAL:')));
  assert.notEqual(again, url);
  assert.equal(await urlfetch(alice, again), FIRST.toString('latin1'));
  assert.match(await alice.command('r', 'RESETKEY'), /^r OK/m);
  assert.equal(await urlfetch(alice, again), null);
  assert.match(await alice.command('n', 'RESETKEY Nowhere'), /^n NO \[NONEXISTENT\]/m);
  alice.close();
});

test('URLFETCH BINARY decodes a base64 part (literal8 for a NUL), BODYPARTSTRUCTURE gives its decoded size', async () => {
  const alice = await login();
  const url = await generate(
    alice,
    'imap://alice@example.org/INBOX/;UID=1/;SECTION=2;URLAUTH=user+alice%40example.org',
  );
  const reply = await alice.command('b', `URLFETCH ("${url}" BINARY BODYPARTSTRUCTURE) ("${url}" BODY)`);
  assert.ok(
    reply.includes(
      `("application" "octet-stream" NIL NIL NIL "base64" ${SECRET.length} NIL NIL NIL NIL) BINARY ~{${SECRET.length}}\r\n${SECRET})`,
    ),
    reply,
  );
  assert.ok(
    reply.includes(
      `(BODY {${Buffer.from(SECRET, 'latin1').toString('base64').length}}\r\n${Buffer.from(SECRET, 'latin1').toString('base64')})`,
    ),
    reply,
  );
  assert.match(await alice.command('x', `URLFETCH ("${url}" BODY BINARY)`), /^x BAD/m);
  alice.close();
});

test('access identifiers, expiry and other users: only what the URL grants is readable', async () => {
  const alice = await login();
  const bob = await login('bob@example.org');
  // Nobody signs URLs for another user's mailbox.
  assert.match(
    await alice.command('o', 'GENURLAUTH "imap://bob@example.org/INBOX/;UID=1;URLAUTH=authuser" INTERNAL'),
    /^o NO/m,
  );
  assert.match(
    await alice.command('p', 'GENURLAUTH "imap://alice@example.org/INBOX/;UID=1;URLAUTH=authuser" OTHER'),
    /^p NO/m,
  );
  assert.match(
    await alice.command('q', 'GENURLAUTH "imap://alice@example.org/INBOX/;UID=9;URLAUTH=authuser" INTERNAL'),
    /^q NO/m,
  );
  const past = new Date(Date.now() - 60_000).toISOString();
  assert.match(
    await alice.command(
      'e',
      `GENURLAUTH "imap://alice@example.org/INBOX/;UID=1;EXPIRE=${past};URLAUTH=authuser" INTERNAL`,
    ),
    /^e NO/m,
  );

  const rump = 'imap://bob@example.org/INBOX/;UID=1;URLAUTH=';
  assert.equal(
    await urlfetch(alice, await generate(bob, `${rump}user+bob%40example.org`)),
    null,
    'user+bob is not for alice',
  );
  assert.equal(
    await urlfetch(alice, await generate(bob, `${rump}submit+alice%40example.org`)),
    null,
    'submit+ is for a submission server',
  );
  assert.equal(
    await urlfetch(alice, await generate(bob, `${rump}user+alice%40example.org`)),
    BOB.toString('latin1'),
  );
  const future = new Date(Date.now() + 3_600_000).toISOString();
  assert.equal(
    await urlfetch(
      alice,
      await generate(bob, `imap://bob@example.org/INBOX/;UID=1;EXPIRE=${future};URLAUTH=authuser`),
    ),
    BOB.toString('latin1'),
  );
  // A URL signed for bob's mailbox does not open alice's mailbox of the same name.
  const forged = (await generate(bob, `${rump}authuser`)).replace('imap://bob@', 'imap://alice@');
  assert.equal(await urlfetch(alice, forged), null);
  alice.close();
  bob.close();
});

test('the first key of a mailbox is made once even when several GENURLAUTH race for it', async () => {
  const folder = await createFolder(env.userId, 'Racing');
  const keys = await Promise.all([1, 2, 3, 4].map(() => mailboxKey(folder.id, true)));
  assert.equal(keys[0]!.length, 32);
  for (const key of keys) assert.deepEqual(key, keys[0]);
  assert.equal(await mailboxKey((await createFolder(env.userId, 'Untouched')).id, false), null);
});
