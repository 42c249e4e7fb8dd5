// `postroom export ADDRESS --mbox FILE | --maildir DIR`: what comes out carries the flags,
// keywords and internal dates, and goes back in (into another mailbox) byte for byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { appendMessage, findFolder, readBlob } from '../../server/store';
import { postroomCommand } from '../helpers/postroom-cli';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
let testDb: TestDatabase;
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

const crlf = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'));
const originals = [
  {
    raw: crlf(
      'From: Dana <dana@example.net>\nTo: alice@example.org\nSubject: Quoting\nMessage-ID: <q1@example.net>\n\nFrom the top: a line mboxes must quote.\n>From an already quoted one.\n',
    ),
    flags: { seen: true, answered: true },
    keywords: ['$Work'],
    date: new Date('2026-02-01T12:00:00.000Z'),
  },
  {
    raw: crlf('From: Eve <eve@example.net>\nSubject: Flagged draft\nMessage-ID: <q2@example.net>\n\nBody.\n'),
    flags: { flagged: true, draft: true },
    keywords: [],
    date: new Date('2026-02-02T13:14:15.000Z'),
  },
  {
    raw: crlf('From: Finn <finn@example.net>\nSubject: Unread\n\nNo Message-ID here.\n'),
    flags: {},
    keywords: ['Later', '$Work'],
    date: new Date('2026-02-03T01:02:03.000Z'),
  },
];

async function contents(address: string, folder: string) {
  const user = await db().user.findFirstOrThrow({ where: { local: address.split('@')[0]! } });
  const found = await findFolder(user.id, folder);
  const rows = await db().message.findMany({ where: { folderId: found!.id }, orderBy: { uid: 'asc' } });
  return Promise.all(
    rows.map(async (row) => ({
      raw: (await readBlob(row.blobSha256)).toString(),
      flags: [row.seen, row.answered, row.flagged, row.deleted, row.draft],
      keywords: row.keywords.split(' ').filter(Boolean).sort(),
      date: row.internalDate.getTime(),
    })),
  );
}

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  for (const local of ['alice', 'bob', 'carol'])
    await addMailbox({ address: `${local}@example.org`, password: 'Export-test-pw-1' });
  const alice = await db().user.findFirstOrThrow({ where: { local: 'alice' } });
  const projects = await db().folder.create({
    data: { userId: alice.id, name: 'Projects/2026', uidValidity: 4242 },
  });
  const inbox = (await findFolder(alice.id, 'INBOX'))!;
  for (const m of originals)
    await appendMessage(m.raw, [{ folderId: inbox.id, flags: m.flags, keywords: m.keywords }], {
      internalDate: m.date,
    });
  await appendMessage(originals[0]!.raw, [{ folderId: projects.id }], { internalDate: originals[0]!.date });
  work = mkdtempSync(join(tmpdir(), 'postroom-export-'));
});
after(async () => {
  await testDb.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('mbox: From_ lines with internal dates, quoting, Status/X-Status/X-Keywords; imports back unchanged', async () => {
  const file = join(work, 'inbox.mbox');
  const result = postroomProcess(['export', 'alice@example.org', '--mbox', file]);
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /exported 3 message\(s\) from alice@example\.org INBOX/);
  const text = readFileSync(file, 'latin1');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(text.match(/^From .*$/gm), [
    'From MAILER-DAEMON Sun Feb  1 12:00:00 2026',
    'From MAILER-DAEMON Mon Feb  2 13:14:15 2026',
    'From MAILER-DAEMON Tue Feb  3 01:02:03 2026',
  ]);
  assert.match(text, /^>From the top/m);
  assert.match(text, /^>>From an already quoted one\./m);
  assert.match(text, /Status: RO\nX-Status: A\nX-Keywords: \$Work\n\n/);
  assert.match(text, /Status: O\nX-Status: FT\n\n/);
  assert.doesNotMatch(text, /\r/);

  const back = postroom(['import', 'mbox', file, '--into', 'bob@example.org']);
  assert.equal(back.code, 0, back.err);
  assert.deepEqual(await contents('bob@example.org', 'INBOX'), await contents('alice@example.org', 'INBOX'));
});

test('Maildir++: every folder, :2, flags, keywords file, mtimes; a rerun writes nothing new; imports back', async () => {
  const root = join(work, 'Maildir');
  const result = postroom(['export', 'alice@example.org', '--maildir', root]);
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /exported 4 new message\(s\) in 7 folder\(s\)/);
  const cur = readdirSync(join(root, 'cur')).sort();
  assert.equal(cur.length, 3);
  assert.match(cur[0]!, /^1769947200\.V\d+U1\.postroom,S=\d+:2,RSa$/);
  assert.match(cur[1]!, /:2,DF$/);
  assert.match(cur[2]!, /:2,ab$/);
  assert.equal(readFileSync(join(root, 'dovecot-keywords'), 'utf8'), '0 $Work\n1 Later\n');
  assert.equal(statSync(join(root, 'cur', cur[1]!)).mtime.getTime(), originals[1]!.date.getTime());
  assert.deepEqual(readdirSync(join(root, '.Projects.2026', 'cur')).length, 1);
  assert.ok(statSync(join(root, '.Sent', 'tmp')).isDirectory());

  const again = postroom(['export', 'alice@example.org', '--maildir', root]);
  assert.match(again.out, /exported 0 new message\(s\)/);

  const back = postroom(['import', 'maildir', root, '--into', 'carol@example.org']);
  assert.equal(back.code, 0, back.err);
  assert.match(back.out, /imported 4 message\(s\)/);
  assert.deepEqual(
    await contents('carol@example.org', 'INBOX'),
    await contents('alice@example.org', 'INBOX'),
  );
  assert.deepEqual(
    await contents('carol@example.org', 'Projects/2026'),
    await contents('alice@example.org', 'Projects/2026'),
  );
});

test('bad usage and unknown folders are refused plainly', () => {
  assert.equal(postroom(['export', 'alice@example.org']).code, 2);
  assert.equal(postroom(['export', 'alice@example.org', '--mbox', 'a', '--maildir', 'b']).code, 2);
  const missing = postroom([
    'export',
    'alice@example.org',
    '--mbox',
    join(work, 'x.mbox'),
    '--folder',
    'Nope',
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no folder "Nope"/);
});
