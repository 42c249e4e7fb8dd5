// IMAP literals over real sockets. Announcements with more digits than any limit: refused, never
// stored as text, and what the client sends after them is never read as commands. NUL in message
// content: only a BINARY item's literal8 may carry it (RFC 9051 section 4.3, RFC 3516); elsewhere it
// goes out as 0x80, as Dovecot sends it, with RFC822.SIZE and the literal's length unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startImapTestEnv, RawClient, PASSWORD, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';

const run = promisify(execFile);

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

// imaplib's own reading of the responses: each item's literal marker and bytes, and RFC822.SIZE.
const FETCH_NUL = `
import imaplib, json, re, ssl, sys
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
client = imaplib.IMAP4_SSL('127.0.0.1', int(sys.argv[1]), ssl_context=context, timeout=20)
client.login('alice@example.org', sys.argv[2])
client.select('INBOX')
out = {}
for item in ['BODY.PEEK[]', 'BODY.PEEK[TEXT]', 'RFC822', 'BODY.PEEK[1]<0.20>', 'BINARY.PEEK[1]']:
    typ, data = client.uid('FETCH', sys.argv[3], '(RFC822.SIZE %s)' % item)
    head, literal = data[0]
    out[item] = {
        'head': head.decode('latin1'),
        'size': int(re.search(rb'RFC822.SIZE (\\d+)', head).group(1)),
        'announced': int(re.search(rb'\\{(\\d+)\\}$', head).group(1)),
        'length': len(literal),
        'nul': literal.count(0),
        'x80': literal.count(0x80),
    }
print(json.dumps(out))
`;

test('FETCH of content with NUL: 0x80 in BODY and RFC822 literals, literal8 only for BINARY', async () => {
  const inbox = await findDeliveryFolder(env.userId);
  const content = Buffer.from(
    'From: nul@example.net\r\nSubject: nul\r\n\r\nbefore\0middle\0after\r\n',
    'latin1',
  );
  const { uid } = (await appendMessage(content, [{ folderId: inbox }]))[0]!;
  const { stdout } = await run(
    'python3',
    ['-c', FETCH_NUL, String(env.servers.ports.imaps!), PASSWORD, String(uid)],
    {
      timeout: 60_000,
    },
  );
  type Item = { head: string; size: number; announced: number; length: number; nul: number; x80: number };
  const items = JSON.parse(stdout) as Record<string, Item>;
  for (const name of ['BODY.PEEK[]', 'BODY.PEEK[TEXT]', 'RFC822', 'BODY.PEEK[1]<0.20>']) {
    const item = items[name]!;
    assert.doesNotMatch(item.head, /~\{/, name);
    assert.equal(item.nul, 0, name);
    assert.equal(item.x80, 2, name);
    assert.equal(item.length, item.announced, name);
  }
  // The whole message as sent is as long as RFC822.SIZE says.
  assert.equal(items['BODY.PEEK[]']!.length, content.length);
  assert.equal(items['BODY.PEEK[]']!.size, content.length);
  assert.equal(items.RFC822!.length, items.RFC822!.size);
  const binary = items['BINARY.PEEK[1]']!;
  assert.match(binary.head, /~\{\d+\}$/);
  assert.equal(binary.nul, 2);
});
