// POP3 with clients written by others: Python's poplib over STLS and over implicit TLS, and
// curl's POP3 (pop3:// with STLS required, and pop3s://).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { db } from '../../server/core/db';
import { ALICE, createPop3World, run, type Pop3World } from '../helpers/pop3';

const driver = join(import.meta.dirname, '..', 'fixtures', 'pop3', 'poplib_driver.py');
let world: Pop3World;

type Step = (string | number)[];
type Result = { step?: string; ok?: unknown; error?: string; welcome?: string };

async function poplib(mode: 'stls' | 'ssl' | 'plain', steps: Step[]): Promise<Result[]> {
  const port = mode === 'ssl' ? world.servers.ports.pop3s : world.servers.ports.pop3;
  return JSON.parse(
    await run('python3', [driver, mode, '127.0.0.1', String(port), world.cafile, JSON.stringify(steps)]),
  ) as Result[];
}

async function inboxUids(): Promise<number[]> {
  const rows = await db().message.findMany({
    where: { folderId: world.inboxId },
    orderBy: { uid: 'asc' },
    select: { uid: true },
  });
  return rows.map((row) => row.uid);
}

before(async () => {
  world = await createPop3World();
});
after(async () => {
  await world.close();
});

test('poplib over STLS: CAPA before and after TLS, login, STAT, LIST, UIDL, RETR, TOP', async () => {
  const folder = await db().folder.findUniqueOrThrow({ where: { id: world.inboxId } });
  const results = await poplib('stls', [
    ['capa'],
    ['stls'],
    ['capa'],
    ['login', ALICE.address, ALICE.password],
    ['stat'],
    ['list'],
    ['uidl'],
    ['uidl', 2],
    ['retr', 1],
    ['retr', 2],
    ['retr', 3],
    ['top', 2, 1],
    ['quit'],
  ]);
  assert.match(results[0].welcome!, /^\+OK/);
  const [capaPlain, stls, capaTls, login, stat, list, uidl, uidl2, retr1, retr2, retr3, top] =
    results.slice(1);
  // Before TLS: STLS offered, no way to send a password (RFC 2595 section 2.1).
  assert.ok(capaPlain.ok && 'STLS' in (capaPlain.ok as object), JSON.stringify(capaPlain));
  assert.ok(!('USER' in (capaPlain.ok as object)) && !('SASL' in (capaPlain.ok as object)));
  assert.match(String(stls.ok), /^\+OK/);
  const afterTls = capaTls.ok as Record<string, string[]>;
  assert.ok('USER' in afterTls && !('STLS' in afterTls));
  assert.deepEqual(afterTls.SASL, ['PLAIN', 'LOGIN', 'OAUTHBEARER', 'XOAUTH2']);
  assert.match(String(login.ok), /^\+OK/);
  const sizes = world.messages.map((m) => m.length);
  assert.deepEqual(stat.ok, [3, sizes.reduce((a, b) => a + b, 0)]);
  assert.deepEqual(
    (list.ok as [string, string[]])[1],
    sizes.map((size, i) => `${i + 1} ${size}`),
  );
  const uids = await inboxUids();
  // UIDL is UIDVALIDITY.UID of INBOX: the same numbers IMAP shows.
  assert.deepEqual(
    (uidl.ok as [string, string[]])[1],
    uids.map((uid, i) => `${i + 1} ${folder.uidValidity}.${uid}`),
  );
  assert.equal(uidl2.ok, `+OK 2 ${folder.uidValidity}.${uids[1]}`);
  // RETR gives back the stored bytes exactly, dot-stuffing undone by the client.
  assert.equal(
    Buffer.from((retr1.ok as { content: string }).content, 'base64').toString(),
    world.messages[0].toString(),
  );
  assert.equal(
    Buffer.from((retr2.ok as { content: string }).content, 'base64').toString(),
    world.messages[1].toString(),
  );
  // The last message has no final line break: POP3 adds CRLF before the terminator.
  assert.equal(
    Buffer.from((retr3.ok as { content: string }).content, 'base64').toString(),
    `${world.messages[2].toString()}\r\n`,
  );
  const topLines = (top.ok as { lines: string[] }).lines;
  assert.equal(topLines[topLines.length - 2], '');
  assert.equal(topLines[topLines.length - 1], 'Grüße aus Köln');
  assert.ok(topLines.includes('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?='));
});

test('poplib over POP3S: AUTH PLAIN with initial response; DELE, RSET, and deletion at QUIT only', async () => {
  const before = await inboxUids();
  const results = await poplib('ssl', [
    ['auth_plain', ALICE.address, ALICE.password],
    ['dele', 1],
    ['stat'],
    ['retr', 1],
    ['rset'],
    ['stat'],
    ['dele', 3],
    ['dele', 3],
    ['list'],
    ['quit'],
  ]);
  const [, auth, dele, stat1, retrDeleted, rset, stat2, dele3, deleAgain, list, quit] = results;
  assert.match(String(auth.ok), /^\+OK/);
  assert.match(String(dele.ok), /^\+OK/);
  assert.equal((stat1.ok as number[])[0], 2);
  assert.match(String(retrDeleted.error), /^-ERR/);
  assert.match(String(rset.ok), /^\+OK/);
  assert.equal((stat2.ok as number[])[0], 3);
  assert.match(String(dele3.ok), /^\+OK/);
  assert.match(String(deleAgain.error), /^-ERR/);
  assert.deepEqual(
    (list.ok as [string, string[]])[1].map((line) => line.split(' ')[0]),
    ['1', '2'],
  );
  assert.match(String(quit.ok), /^\+OK/);
  assert.deepEqual(await inboxUids(), before.slice(0, 2));
  // UIDL values stay the same in the next session.
  const again = await poplib('ssl', [['auth_plain', ALICE.address, ALICE.password], ['uidl'], ['quit']]);
  const folder = await db().folder.findUniqueOrThrow({ where: { id: world.inboxId } });
  assert.deepEqual(
    (again[2].ok as [string, string[]])[1],
    before.slice(0, 2).map((uid, i) => `${i + 1} ${folder.uidValidity}.${uid}`),
  );
});

test('poplib: a wrong password is refused with [AUTH] and the session goes on', async () => {
  const results = await poplib('ssl', [
    ['login', ALICE.address, 'wrong-password'],
    ['noop'],
    ['login', ALICE.address, ALICE.password],
    ['noop'],
    ['quit'],
  ]);
  assert.match(String(results[1].error), /^-ERR \[AUTH\]/);
  assert.match(String(results[2].error), /^-ERR/); // NOOP is not valid before login
  assert.match(String(results[3].ok), /^\+OK/);
  assert.match(String(results[4].ok), /^\+OK/);
});

test('curl: list and retrieve over pop3:// with STLS required, and over pop3s://', async () => {
  const user = `${ALICE.address}:${ALICE.password}`;
  const common = ['-s', '--max-time', '15', '--cacert', world.cafile, '-u', user];
  const listing = await run('curl', [
    ...common,
    '--ssl-reqd',
    `pop3://127.0.0.1:${world.servers.ports.pop3}/`,
  ]);
  const lines = listing.trim().split(/\r?\n/);
  assert.equal(lines.length, (await inboxUids()).length);
  assert.match(lines[0], /^1 \d+$/);
  const message = await run('curl', [...common, `pop3s://127.0.0.1:${world.servers.ports.pop3s}/1`]);
  const stored = await db().message.findFirstOrThrow({
    where: { folderId: world.inboxId },
    orderBy: { uid: 'asc' },
  });
  assert.equal(message.length, stored.size);
  assert.match(message, /^From: Carol/);
  assert.ok(message.includes('\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast line'));
  const uidl = await run('curl', [
    ...common,
    '-X',
    'UIDL',
    `pop3s://127.0.0.1:${world.servers.ports.pop3s}/`,
  ]);
  assert.match(uidl.trim().split(/\r?\n/)[0], /^1 \d+\.\d+$/);
  // Without TLS curl cannot log in: the server offers no USER/AUTH in plaintext.
  await assert.rejects(run('curl', [...common, `pop3://127.0.0.1:${world.servers.ports.pop3}/`]));
});
