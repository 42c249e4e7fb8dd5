// `postroom import maildir` and `postroom import mbox`: files as Dovecot, Thunderbird and mutt
// leave them, imported with their flags, keywords and internal dates, read back by a real IMAP
// client; a second run adds nothing.
process.env.POSTROOM_AUTH_PENALTY_MS = '0';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { db } from '../../server/core/db';
import { readBlob } from '../../server/store';
import { postroomCommand } from '../helpers/postroom-cli';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'import');
const PASSWORD = 'Import-files-pw-9';
let testDb: TestDatabase;
let servers: RunningImapServers;
let work: string;

/** The compiled CLI in a long-lived thread (a process start costs seconds). */
const postroom = (args: string[]) => postroomCommand(args);

/** bin/postroom.js in its own process, for the first command. */
function postroomProcess(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, POSTROOM_LOG: 'silent' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function message(id: string, subject: string, body = 'Body line one.\nBody line two.\n'): string {
  return `From: Old Server <sender@old.example>\nTo: alice@example.org\nSubject: ${subject}\nMessage-ID: <${id}@old.example>\nDate: Mon, 2 Mar 2026 09:00:00 +0000\n\n${body}`;
}

function put(path: string, content: string, time: Date): void {
  writeFileSync(path, content);
  utimesSync(path, time, time);
}

async function fetchAll(folder: string) {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: servers.ports.imaps!,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@example.org', pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  const lock = await client.getMailboxLock(folder);
  const rows: { subject: string; flags: string[]; date: number }[] = [];
  try {
    for await (const m of client.fetch('1:*', { envelope: true, flags: true, internalDate: true }))
      rows.push({
        subject: m.envelope!.subject!,
        flags: [...m.flags!].sort(),
        date: new Date(m.internalDate!).getTime(),
      });
  } finally {
    lock.release();
    await client.logout();
  }
  return rows;
}

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: 'alice@example.org', password: PASSWORD });
  servers = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  work = mkdtempSync(join(tmpdir(), 'postroom-import-files-'));
});
after(async () => {
  await servers.close();
  await testDb.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('a Maildir++ tree: folders, :2, flags, Dovecot keywords and mtimes come over, once', async () => {
  const root = join(work, 'Maildir');
  for (const dir of ['cur', 'new', 'tmp', '.Lists.work/cur', '.Lists.work/new', '.Sent/cur'])
    mkdirSync(join(root, dir), { recursive: true });
  const t1 = new Date('2026-01-10T08:00:00.000Z');
  const t2 = new Date('2026-01-11T09:30:00.000Z');
  const t3 = new Date('2026-01-12T10:45:00.000Z');
  put(join(root, 'cur', '1768032000.M1P1.old,S=150:2,FS'), message('m1', 'Seen and flagged'), t1);
  put(join(root, 'new', '1768123800.M2P1.old'), message('m2', 'Just arrived'), t2);
  put(join(root, 'tmp', '1768123801.M3P1.old'), message('m3', 'Half written, not mail yet'), t2);
  writeFileSync(join(root, '.Lists.work', 'dovecot-keywords'), '0 $Work\n1 Later\n');
  put(join(root, '.Lists.work', 'cur', '1768214700.M4P1.old:2,RSb'), message('m4', 'Answered, Later'), t3);
  put(join(root, '.Sent', 'cur', '1768214701.M5P1.old:2,ST'), message('m5', 'Sent and deleted'), t3);

  const first = postroomProcess(['import', 'maildir', root, '--into', 'alice@example.org']);
  assert.equal(first.code, 0, first.err);
  assert.match(
    first.out,
    /imported 4 message\(s\) .* into alice@example\.org: INBOX, Lists\/work, Sent; 0 already there/,
  );

  const inbox = await fetchAll('INBOX');
  assert.deepEqual(inbox, [
    { subject: 'Seen and flagged', flags: ['\\Flagged', '\\Seen'], date: t1.getTime() },
    { subject: 'Just arrived', flags: [], date: t2.getTime() },
  ]);
  assert.deepEqual(await fetchAll('Lists/work'), [
    { subject: 'Answered, Later', flags: ['Later', '\\Answered', '\\Seen'], date: t3.getTime() },
  ]);
  assert.deepEqual((await fetchAll('Sent'))[0]!.flags, ['\\Deleted', '\\Seen']);
  const stored = await db().message.findFirstOrThrow({ where: { subject: 'Just arrived' } });
  assert.match(
    (await readBlob(stored.blobSha256)).toString(),
    /^From: .*\r\nTo: /,
    'stored with CRLF line ends',
  );

  const again = postroom(['import', 'maildir', root, '--into', 'alice@example.org']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /imported 0 message\(s\) .*; 4 already there/);
  assert.equal(await db().message.count(), 4);
});

test('an mbox file: From_ dates, Status and X-Status flags, X-Keywords, >From unquoted, once', async () => {
  const file = join(fixtures, 'sample.mbox');
  const first = postroom(['import', 'mbox', file, '--into', 'alice@example.org', '--folder', 'Old mail']);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /imported 3 message\(s\)/);
  assert.deepEqual(await fetchAll('Old mail'), [
    {
      subject: 'First, read and answered',
      flags: ['$Work', '\\Answered', '\\Seen'],
      date: Date.UTC(2026, 2, 3, 10, 0, 0),
    },
    { subject: 'Second, flagged and unread', flags: ['\\Flagged'], date: Date.UTC(2026, 2, 4, 11, 30, 15) },
    { subject: 'Third, a draft without status headers', flags: [], date: Date.UTC(2026, 2, 5, 8, 5, 0) },
  ]);
  const first1 = await db().message.findFirstOrThrow({ where: { subject: 'First, read and answered' } });
  const text = (await readBlob(first1.blobSha256)).toString();
  assert.match(text, /\r\nFrom the desk of Alice/);
  assert.match(text, /\r\n>From here a doubly quoted one\.\r\n$/);
  assert.doesNotMatch(text, /^(Status|X-Status|X-Keywords):/im, 'mbox bookkeeping headers are taken out');
  const last = await db().message.findFirstOrThrow({ where: { subject: { startsWith: 'Third' } } });
  assert.match((await readBlob(last.blobSha256)).toString(), /Third body, last line\.\r\n$/);

  const again = postroom(['import', 'mbox', file, '--into', 'alice@example.org', '--folder', 'Old mail']);
  assert.match(again.out, /imported 0 message\(s\) .*; 3 already there/);
});

test('bad input: not an mbox, not a Maildir, no such mailbox, missing --into', () => {
  const junk = join(work, 'junk.txt');
  writeFileSync(junk, 'this is not an mbox\n');
  const notMbox = postroom(['import', 'mbox', junk, '--into', 'alice@example.org']);
  assert.equal(notMbox.code, 1);
  assert.match(notMbox.err, /is not an mbox file/);
  const notMaildir = postroom(['import', 'maildir', work, '--into', 'alice@example.org']);
  assert.equal(notMaildir.code, 1);
  assert.match(notMaildir.err, /is not a Maildir/);
  const nobody = postroom(['import', 'mbox', join(fixtures, 'sample.mbox'), '--into', 'nobody@example.org']);
  assert.equal(nobody.code, 1);
  assert.equal(postroom(['import', 'mbox', join(fixtures, 'sample.mbox')]).code, 2);
});
