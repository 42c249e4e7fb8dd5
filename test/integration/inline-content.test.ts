// Small messages kept in the database under the default filesystem store (blob-store.ts,
// POSTROOM_INLINE_BLOB_BYTES): delivered over SMTP (nodemailer) and appended over IMAP (imapflow),
// they are chunk rows committed with the message and no file; they read back byte-exact over IMAP
// and POP3 (Python's poplib); larger ones and a limit of 0 give files as before; the collector
// removes inline content with its last reference; `blobs migrate --to filesystem` leaves it in the
// database; and a limit that is not a number is refused with its name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
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
import { db } from '../../server/core/db';
import { expungeMessages } from '../../server/store';
import { blobPath } from '../../server/store/blobs';
import {
  DEFAULT_INLINE_BLOB_BYTES,
  forgetActiveBlobStore,
  inlineBlobBytes,
} from '../../server/store/blob-store';
import { migrateBlobs } from '../../server/store/blob-migrate';
import { collectBlobs } from '../../server/store/gc';
import { rawDb } from '../../server/store/raw';

let harness: ContentHarness;
let inbox: number;

before(async () => {
  delete process.env.POSTROOM_BLOB_STORE;
  delete process.env.POSTROOM_INLINE_BLOB_BYTES;
  harness = await startContentHarness();
  inbox = harness.inbox;
});
after(async () => {
  await harness.close();
  delete process.env.POSTROOM_INLINE_BLOB_BYTES;
});

const sha = (content: Buffer) => createHash('sha256').update(content).digest('hex');
const message = (subject: string, bytes: number) => messageOfSize(harness.env.address, subject, bytes);
const send = (raw: Buffer) => sendTo(harness, raw);
const storedRow = (subject: string) => rowOf(harness, subject);
const chunkBytes = async (hash: string) => (await chunksOf(hash)).bytes;

test('small mail goes into the database with its rows, large mail into files; both read back byte-exact', async () => {
  assert.equal(inlineBlobBytes(), DEFAULT_INLINE_BLOB_BYTES);
  const small = message('small over smtp', 10_000);
  const large = message('large over smtp', 200_000);
  await send(small);
  await send(large);
  const client = imapflowClient(harness.env, true);
  await client.connect();
  try {
    const appended = message('small over imap', 3_000);
    await client.append('INBOX', appended, ['\\Seen']);
    await client.mailboxOpen('INBOX');
    for (const [subject, inline] of [
      ['small over smtp', true],
      ['large over smtp', false],
      ['small over imap', true],
    ] as const) {
      const row = await storedRow(subject);
      assert.equal(await chunkBytes(row.blobSha256), inline ? row.size : null, `${subject}: rows`);
      assert.equal(existsSync(blobPath(row.blobSha256)), !inline, `${subject}: file`);
      const fetched = await client.fetchOne(String(row.uid), { source: true }, { uid: true });
      const whole = fetched ? (fetched.source as Buffer) : Buffer.alloc(0);
      assert.equal(sha(whole), row.blobSha256, `${subject}: BODY[] is the stored content`);
      const part = await client.fetchOne(
        String(row.uid),
        { source: { start: 100, maxLength: 700 } },
        { uid: true },
      );
      assert.ok(
        part && (part.source as Buffer).equals(whole.subarray(100, 800)),
        `${subject}: BODY[]<100.700>`,
      );
    }
    assert.ok((await storedRow('small over smtp')).size > small.length, 'stored with the trace headers');
  } finally {
    await client.logout();
  }
  const rows = await db().message.findMany({ where: { folderId: inbox }, orderBy: { uid: 'asc' } });
  for (const [index, row] of rows.entries())
    assert.equal(await popHash(harness, index + 1), row.blobSha256, `POP3 RETR ${index + 1}`);
});

test('a limit of 0 keeps every message in files', async () => {
  process.env.POSTROOM_INLINE_BLOB_BYTES = '0';
  try {
    await send(message('small with inline off', 2_000));
  } finally {
    delete process.env.POSTROOM_INLINE_BLOB_BYTES;
  }
  const row = await storedRow('small with inline off');
  assert.equal(await chunkBytes(row.blobSha256), null);
  assert.ok(existsSync(blobPath(row.blobSha256)));
});

test('the collector removes inline content with its last reference', async () => {
  await send(message('inline then expunged', 4_000));
  const row = await storedRow('inline then expunged');
  assert.equal(await chunkBytes(row.blobSha256), row.size);
  await expungeMessages(inbox, [row.uid]);
  await collectBlobs({ orphanGraceMs: 60_000 });
  assert.equal(await chunkBytes(row.blobSha256), null);
  const [blob] = await rawDb().read('SELECT sha256 FROM blobs WHERE sha256 = ?', [row.blobSha256]);
  assert.equal(blob, undefined);
});

test('blobs migrate --to filesystem moves large content out of the database and leaves small content in it', async () => {
  process.env.POSTROOM_BLOB_STORE = 'database';
  forgetActiveBlobStore();
  try {
    await send(message('large in the database store', 150_000));
    await send(message('small in the database store', 5_000));
  } finally {
    delete process.env.POSTROOM_BLOB_STORE;
  }
  const large = await storedRow('large in the database store');
  const small = await storedRow('small in the database store');
  assert.equal(await chunkBytes(large.blobSha256), large.size);
  assert.equal(existsSync(blobPath(large.blobSha256)), false);
  const result = await migrateBlobs('filesystem', { switchWaitMs: 0 });
  assert.equal(result.left, 0);
  assert.equal(result.failed.size, 0);
  assert.ok(existsSync(blobPath(large.blobSha256)), 'the large one is a file now');
  assert.equal(await chunkBytes(large.blobSha256), null);
  assert.equal(await chunkBytes(small.blobSha256), small.size, 'the small one stayed');
  assert.equal(existsSync(blobPath(small.blobSha256)), false);
  await rawDb().transaction((tx) =>
    tx.run(
      "DELETE FROM settings WHERE `key` = 'blob_store'".replace(
        /`/g,
        rawDb().provider === 'mysql' ? '`' : '"',
      ),
    ),
  );
  forgetActiveBlobStore();
});

test('a limit that is not a whole number in range is refused by name', () => {
  for (const bad of ['abc', '-1', '1.5', String(1024 * 1024)]) {
    process.env.POSTROOM_INLINE_BLOB_BYTES = bad;
    assert.throws(() => inlineBlobBytes(), /POSTROOM_INLINE_BLOB_BYTES must be a whole number/);
  }
  delete process.env.POSTROOM_INLINE_BLOB_BYTES;
});
