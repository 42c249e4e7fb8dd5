// `postroom import imap` from the reference Dovecot (bench/reference/up.sh): every folder with
// flags, keywords and internal dates; a second run fetches only what is new; forgetting the
// resume state copies nothing twice; a wrong password or an unreachable server is a clear failure.
process.env.POSTROOM_AUTH_PENALTY_MS = '0';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { createTestDatabase, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { findFolder } from '../../server/store';
import { REFERENCE_PORTS } from '../../bench/reference/paths';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
// Reserved for this test among the reference's users, one per database: npm test runs the SQLite
// and MariaDB runs at the same time, and each resets its source account.
const SOURCE_USER = TEST_PROVIDER === 'mysql' ? 'bench64@example.test' : 'bench61@example.test';
const MESSAGES = 300;
let testDb: TestDatabase;

function postroom(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, POSTROOM_LOG: 'silent' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const importArgs = (user = SOURCE_USER) => [
  'import',
  'imap',
  '--host',
  '127.0.0.1',
  '--port',
  String(REFERENCE_PORTS.imaps),
  '--user',
  user,
  '--password-stdin',
  '--into',
  'alice@example.org',
  '--insecure',
];

function dovecot(): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: REFERENCE_PORTS.imaps,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: SOURCE_USER, pass: 'pass' },
    logger: false,
  });
}

const note = (n: number) =>
  Buffer.from(
    `From: Sender ${n} <s${n}@example.net>\r\nTo: ${SOURCE_USER}\r\nSubject: Note ${n}\r\nMessage-ID: <note${n}@example.net>\r\n\r\nNote number ${n}.\r\n`,
  );
const dateOf = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 3_600_000);

/** Puts the source account in a known state: INBOX with MESSAGES notes, a child folder, Sent. */
async function resetSource(): Promise<void> {
  const client = dovecot();
  await client.connect();
  for (const folder of await client.list())
    if (folder.path !== 'INBOX' && !folder.specialUse)
      await client.mailboxDelete(folder.path).catch(() => {});
  for (const folder of ['INBOX', 'Sent']) {
    await client.mailboxCreate(folder).catch(() => {});
    const lock = await client.getMailboxLock(folder);
    try {
      if ((client.mailbox as { exists: number }).exists) await client.messageDelete('1:*');
    } finally {
      lock.release();
    }
  }
  await client.mailboxCreate(['Projects', '2026']);
  for (let n = 1; n <= MESSAGES; n++) {
    const flags = n % 3 === 0 ? ['\\Seen'] : n % 5 === 0 ? ['\\Flagged', '$Work'] : [];
    await client.append('INBOX', note(n), flags, dateOf(n));
  }
  const delimiter = (await client.list()).find((f) => f.name === '2026')!.path;
  await client.append(delimiter, note(1001), ['\\Answered', '\\Seen', 'Later'], dateOf(1001));
  await client.append('Sent', note(1002), ['\\Seen'], dateOf(1002));
  await client.logout();
}

async function appendToSource(n: number): Promise<void> {
  const client = dovecot();
  await client.connect();
  await client.append('INBOX', note(n), ['\\Draft'], dateOf(n));
  await client.logout();
}

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: 'alice@example.org', password: 'Import-imap-pw-1' });
  await resetSource();
});
after(async () => {
  await testDb.cleanup();
});

async function folderRows(name: string) {
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  const folder = await findFolder(user.id, name);
  assert.ok(folder, `folder ${name} exists`);
  return db().message.findMany({ where: { folderId: folder.id }, orderBy: { uid: 'asc' } });
}

test('every folder is copied with flags, keywords and internal dates; progress on stderr', async () => {
  const run = postroom(importArgs(), 'pass\n');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, new RegExp(`imported ${MESSAGES + 2} message\\(s\\)`));
  assert.match(run.out, /Projects.2026 -> Projects\/2026: 1 new/);
  assert.match(run.err, /\d+\/\d+ messages, .*msg\/s/);
  const inbox = await folderRows('INBOX');
  assert.equal(inbox.length, MESSAGES);
  assert.deepEqual(
    inbox.slice(0, 5).map((m) => [m.subject, m.seen, m.flagged, m.keywords, m.internalDate.getTime()]),
    [1, 2, 3, 4, 5].map((n) => [
      `Note ${n}`,
      n % 3 === 0,
      n % 3 !== 0 && n % 5 === 0,
      n % 3 !== 0 && n % 5 === 0 ? '$Work' : '',
      dateOf(n).getTime(),
    ]),
  );
  const project = await folderRows('Projects/2026');
  assert.deepEqual(
    project.map((m) => [m.subject, m.answered, m.seen, m.keywords]),
    [['Note 1001', true, true, 'Later']],
  );
  assert.equal((await folderRows('Sent'))[0]!.subject, 'Note 1002');
  const states = await db().imapImportState.findMany();
  assert.ok(states.some((s) => s.folder === 'INBOX' && Number(s.lastUid) >= MESSAGES));
});

test('a second run fetches only what is new; without its state it still copies nothing twice', async () => {
  await appendToSource(2001);
  const second = postroom(importArgs(), 'pass\n');
  assert.equal(second.code, 0, second.err);
  assert.match(second.out, /imported 1 message\(s\).*; 0 already there/);
  const newest = (await folderRows('INBOX')).at(-1)!;
  assert.deepEqual([newest.subject, newest.draft], ['Note 2001', true]);

  await db().imapImportState.deleteMany();
  const fresh = postroom(importArgs(), 'pass\n');
  assert.equal(fresh.code, 0, fresh.err);
  assert.match(fresh.out, new RegExp(`imported 0 message\\(s\\).*; ${MESSAGES + 3} already there`));
  assert.equal((await folderRows('INBOX')).length, MESSAGES + 1);
});

test('a wrong password, an unreachable server and bad usage fail plainly', () => {
  const denied = postroom(importArgs(), 'wrong\n');
  assert.equal(denied.code, 1);
  assert.match(denied.err, /postroom: .*(auth|fail)/i);
  const unreachable = postroom(
    [
      'import',
      'imap',
      '--host',
      '127.0.0.1',
      '--port',
      '1',
      '--user',
      'x',
      '--password-stdin',
      '--into',
      'alice@example.org',
    ],
    'x\n',
  );
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.err, /ECONNREFUSED|connect/i);
  assert.equal(postroom(['import', 'imap', '--host', 'h']).code, 2);
});
