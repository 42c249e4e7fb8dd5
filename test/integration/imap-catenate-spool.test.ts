// CATENATE's TEXT literals are spooled like APPEND's (POSTROOM_IMAP_SPOOL_LITERAL_BYTES, here
// 64 KiB): a 3 MiB text part is written to a spool file while it arrives, the message is built in
// a spool file from it, a URL part and a small text part, and stored byte-exact; bare LFs in a
// spooled part still end CRLF; a client that drops mid-literal or sends a bad URL after a spooled
// part leaves no spool file and nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';
import { rawDb } from '../../server/store/raw';

const THRESHOLD = 64 * 1024;
let env: ImapTestEnv;
let uidValidity: number;
const SECOND = raw('From: b@example.net\nSubject: two\n\nsecond body\n');

before(async () => {
  process.env.POSTROOM_IMAP_SPOOL_LITERAL_BYTES = String(THRESHOLD);
  env = await startImapTestEnv();
  const inbox = await findDeliveryFolder(env.userId);
  await appendMessage(raw('From: a@example.net\nSubject: one\n\nfirst\n'), [{ folderId: inbox }]);
  await appendMessage(SECOND, [{ folderId: inbox }]);
});
after(async () => {
  delete process.env.POSTROOM_IMAP_SPOOL_LITERAL_BYTES;
  await env.close();
});

function spoolFiles(): string[] {
  const dir = join(env.testDb.dataDir, 'blobs', 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function login(): Promise<RawClient> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('l', `LOGIN ${env.address} "${PASSWORD}"`), /^l OK/m);
  uidValidity = Number(/UIDVALIDITY (\d+)/.exec(await client.command('s', 'SELECT INBOX'))![1]);
  return client;
}

/** A synchronising literal: announce, wait for "+", send. */
async function literal(client: RawClient, prefix: string, bytes: Buffer): Promise<void> {
  client.write(`${prefix}{${bytes.length}}\r\n`);
  await client.readUntil(/^\+ .*\r\n/m);
  client.write(bytes);
}

async function lastMessage(): Promise<{ sha: string; size: number; count: number }> {
  const rows = await rawDb().read<{ blob_sha256: string; size: number }>(
    'SELECT blob_sha256, size FROM messages ORDER BY id DESC LIMIT 1',
  );
  const [counted] = await rawDb().read<{ n: number | bigint }>('SELECT COUNT(*) AS n FROM messages');
  return { sha: rows[0]!.blob_sha256, size: Number(rows[0]!.size), count: Number(counted!.n) };
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('a 3 MiB TEXT part goes to a spool file as it arrives; the built message is stored byte-exact', async () => {
  const client = await login();
  const head = Buffer.from('From: c@example.org\r\nSubject: big catenate\r\n\r\n');
  const line = Buffer.from(`${'z'.repeat(70)}\r\n`);
  const big = Buffer.concat([head, ...Array.from({ length: (3 * 1024 * 1024) / line.length }, () => line)]);
  const tail = Buffer.from('\r\n-- the end\r\n');
  // Half the literal, then look: its bytes are on disk before the command is complete.
  client.write(`a APPEND INBOX CATENATE (TEXT {${big.length}}\r\n`);
  await client.readUntil(/^\+ .*\r\n/m);
  client.write(big.subarray(0, big.length / 2));
  await until('the TEXT literal in a spool file', () => spoolFiles().length === 1);
  client.write(big.subarray(big.length / 2));
  client.write(` URL "/INBOX;UIDVALIDITY=${uidValidity}/;UID=2" TEXT `);
  await literal(client, '', tail);
  client.write(')\r\n');
  assert.match(await client.readUntil(/^a (OK|NO|BAD).*\r\n/m, 30_000), /^a OK \[APPENDUID \d+ 3\]/m);
  const expected = Buffer.concat([big, SECOND, tail]);
  assert.deepEqual(await lastMessage(), { sha: sha(expected), size: expected.length, count: 3 });
  await until('no spool file left', () => spoolFiles().length === 0);
  client.close();
});

test('bare LFs in a spooled TEXT part are stored as CRLF, as for a plain APPEND', async () => {
  const client = await login();
  const lf = Buffer.from(
    `From: d@example.org\nSubject: lf\n\n${'y'.repeat(99)}\n`.repeat(1 + THRESHOLD / 100),
  );
  await literal(client, 'b APPEND INBOX CATENATE (TEXT ', lf);
  client.write(')\r\n');
  assert.match(await client.readUntil(/^b (OK|NO|BAD).*\r\n/m, 30_000), /^b OK /m);
  const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  const stored = await lastMessage();
  assert.equal(stored.size, crlf.length);
  assert.equal(stored.sha, sha(crlf));
  await until('no spool file left', () => spoolFiles().length === 0);
  client.close();
});

test('a bad URL after a spooled part, or a client gone mid-literal: nothing stored, no spool file', async () => {
  const before = (await lastMessage()).count;
  const client = await login();
  const part = Buffer.alloc(2 * THRESHOLD, 'w');
  await literal(client, 'c APPEND INBOX CATENATE (TEXT ', part);
  client.write(' URL "/INBOX/;UID=999")\r\n');
  assert.match(await client.readUntil(/^c (OK|NO|BAD).*\r\n/m, 30_000), /^c NO \[BADURL /m);
  await until('no spool file left', () => spoolFiles().length === 0);
  client.write(`d APPEND INBOX CATENATE (TEXT {${part.length}}\r\n`);
  await client.readUntil(/^\+ .*\r\n/m);
  client.write(part.subarray(0, THRESHOLD));
  await until('the literal in a spool file', () => spoolFiles().length === 1);
  client.socket.destroy();
  await until('the spool file to go', () => spoolFiles().length === 0);
  assert.equal((await lastMessage()).count, before);
});
