// Message content kept in the database (POSTROOM_BLOB_STORE=database): mail delivered over SMTP
// (nodemailer) reads back byte-exact over IMAP (imapflow: BODY[] and partial BODY[]<n.m>) and POP3
// (Python's poplib), a message of more than two chunks included, with no file written; the
// collector removes the chunks of expunged mail and adopts orphan chunks; and
// `postroom blobs migrate` moves the store both ways while mail keeps arriving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { imapflowClient } from './imap-support';
import {
  chunksOf,
  messageOfSize,
  popHash,
  sendTo,
  startContentHarness,
  storedRow as rowOf,
  type ContentHarness,
} from './content-support';
import { run } from '../helpers/pop3';
import { db } from '../../server/core/db';
import { expungeMessages } from '../../server/store';
import { blobPath } from '../../server/store/blobs';
import { CHUNK_BYTES } from '../../server/store/blob-store-db';
import { activeBlobStore, forgetActiveBlobStore } from '../../server/store/blob-store';
import { migrateBlobs } from '../../server/store/blob-migrate';
import { collectBlobs } from '../../server/store/gc';
import { rawDb } from '../../server/store/raw';

process.env.POSTROOM_BLOB_STORE = 'database';
const CLI = join(import.meta.dirname, '../../bin/postroom.js');

let harness: ContentHarness;
let inbox: number;

before(async () => {
  harness = await startContentHarness();
  inbox = harness.inbox;
});
after(async () => {
  await harness.close();
  delete process.env.POSTROOM_BLOB_STORE;
  forgetActiveBlobStore();
});

const sha = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const bigMessage = (subject: string, bytes: number) => messageOfSize(harness.env.address, subject, bytes);
const send = (raw: Buffer) => sendTo(harness, raw);
const storedRow = (subject: string) => rowOf(harness, subject);
const chunkCount = async (hash: string) => (await chunksOf(hash)).count;

test('mail over SMTP is stored in chunk rows and reads back byte-exact over IMAP and POP3', async () => {
  const small = bigMessage('small one', 2000);
  const big = bigMessage('big one', 2 * CHUNK_BYTES + 300_000);
  await send(small);
  await send(big);
  const client = imapflowClient(harness.env, true);
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    for (const [subject, sent, chunks] of [
      ['small one', small, 1],
      ['big one', big, 3],
    ] as const) {
      const row = await storedRow(subject);
      assert.equal(await chunkCount(row.blobSha256), chunks, `${subject}: chunk rows`);
      assert.equal(existsSync(blobPath(row.blobSha256)), false, `${subject}: no file written`);
      const fetched = await client.fetchOne(String(row.uid), { source: true }, { uid: true });
      const whole = fetched ? (fetched.source as Buffer) : Buffer.alloc(0);
      assert.equal(whole.length, row.size);
      assert.equal(sha(whole), row.blobSha256, `${subject}: BODY[] is the stored content`);
      assert.ok(
        whole.subarray(whole.length - sent.length).equals(sent),
        `${subject}: the sent bytes, after the trace`,
      );
      // A partial fetch across the chunk boundary (or the small message's middle).
      const start = chunks > 1 ? CHUNK_BYTES - 1000 : 100;
      const length = chunks > 1 ? CHUNK_BYTES + 5000 : 500;
      const part = await client.fetchOne(
        String(row.uid),
        { source: { start, maxLength: length } },
        { uid: true },
      );
      assert.ok(
        part && (part.source as Buffer).equals(whole.subarray(start, start + length)),
        `${subject}: BODY[]<${start}.${length}>`,
      );
    }
  } finally {
    await client.logout();
  }
  const rows = await db().message.findMany({ where: { folderId: inbox }, orderBy: { uid: 'asc' } });
  for (const [index, row] of rows.entries())
    assert.equal(await popHash(harness, index + 1), row.blobSha256, `POP3 RETR ${index + 1}`);
});

test('the collector removes the chunks of expunged mail and adopts orphan chunks', async () => {
  await send(bigMessage('to be expunged', CHUNK_BYTES + 10));
  const row = await storedRow('to be expunged');
  assert.equal(await chunkCount(row.blobSha256), 2);
  await expungeMessages(inbox, [row.uid]);
  // Chunks of a write that died before its commit: no blobs row, an hour old.
  const orphan = 'f'.repeat(64);
  await rawDb().transaction((tx) =>
    tx.run('INSERT INTO blob_chunks (sha256, idx, data, created_at) VALUES (?, 0, ?, ?)', [
      orphan,
      Buffer.from('lost'),
      rawDb().date(new Date(Date.now() - 3600_000)),
    ]),
  );
  const result = await collectBlobs({ orphanGraceMs: 60_000 });
  assert.ok(result.removed >= 2, `removed ${result.removed}`);
  assert.ok(result.adopted >= 1);
  assert.equal(await chunkCount(row.blobSha256), 0);
  assert.equal(await chunkCount(orphan), 0);
});

test('blobs migrate moves the store both ways while mail keeps arriving, nothing lost', async () => {
  let arriving = true;
  let sent = 0;
  const sender = (async () => {
    while (arriving) {
      await send(bigMessage(`during migration ${sent}`, 1000 + (sent % 3) * 700_000));
      sent++;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 300));
  // The command in its own process, as an admin runs it: this process's servers learn the switch
  // from the database setting, not from the migration.
  const toFiles = await run('node', [CLI, 'blobs', 'migrate', '--to', 'filesystem'], 60_000);
  assert.match(toFiles, /moved [1-9]\d* message\(s\) .* to the filesystem store/);
  assert.equal(await activeBlobStore(), 'filesystem');
  const toDatabase = await run('node', [CLI, 'blobs', 'migrate', '--to', 'database'], 60_000);
  assert.match(toDatabase, /moved [1-9]\d* message\(s\) .* to the database store/);
  arriving = false;
  await sender;
  assert.ok(sent >= 2, `${sent} sent meanwhile`);
  await migrateBlobs('database', { switchWaitMs: 0 }); // whatever arrived in the files at the end
  const rows = await db().message.findMany({ where: { folderId: inbox } });
  const client = imapflowClient(harness.env, true);
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    for (const row of rows) {
      assert.equal(existsSync(blobPath(row.blobSha256)), false, `uid ${row.uid} left as a file`);
      assert.ok((await chunkCount(row.blobSha256)) > 0, `uid ${row.uid} in the database`);
      const fetched = await client.fetchOne(String(row.uid), { source: true }, { uid: true });
      assert.equal(
        sha(fetched ? (fetched.source as Buffer) : Buffer.alloc(0)),
        row.blobSha256,
        `uid ${row.uid}`,
      );
    }
  } finally {
    await client.logout();
  }
  assert.equal(rows.length, 2 + sent, 'every acknowledged message is there once');
});
