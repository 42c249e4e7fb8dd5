// Mail commands through imapflow (STARTTLS and implicit TLS) and by hand for exact responses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, imapflowClient, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
});

const SIMPLE = raw(`From: Bob <bob@example.net>
To: Alice <alice@example.org>
Subject: Lunch plans
Date: Mon, 23 Nov 2026 09:00:00 +0000
Message-ID: <lunch@example.net>

Shall we meet at noon? Pizza is fine.
`);

const NESTED = raw(`From: =?UTF-8?Q?J=C3=BCrgen?= <jurgen@example.net>
To: alice@example.org
Subject: =?UTF-8?B?UmVwb3J0IMO8YmVyIFrDvHJpY2g=?=
Date: Tue, 24 Nov 2026 10:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Gr=C3=BC=C3=9Fe aus Z=C3=BCrich, the quarterly numbers are attached.
--inner
Content-Type: text/html; charset=utf-8

<p>Gr&uuml;&szlig;e</p>
--inner--
--outer
Content-Type: application/pdf; name="q3.pdf"
Content-Disposition: attachment; filename="q3.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOf
--outer--
`);

test('folders: LIST with special-use, CREATE/RENAME with children/DELETE, SUBSCRIBE, STATUS', async () => {
  const client = imapflowClient(env, false);
  await client.connect();
  const list = await client.list();
  const byPath = new Map(list.map((entry) => [entry.path, entry]));
  for (const name of ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive'])
    assert.ok(byPath.has(name), name);
  assert.equal(byPath.get('Sent')?.specialUse, '\\Sent');
  assert.equal(byPath.get('Junk')!.specialUse, '\\Junk');
  await client.mailboxCreate('Projects');
  await client.mailboxCreate(['Projects', 'Zürich']);
  await client.mailboxRename('Projects', 'Work');
  const after = (await client.list()).map((entry) => entry.path);
  assert.ok(after.includes('Work/Zürich'), JSON.stringify(after));
  assert.ok(!after.includes('Projects'));
  await client.mailboxUnsubscribe('Work');
  const subscribed = ((await client.listTree()).folders ?? []).map((f) => f.path);
  assert.ok(subscribed.includes('INBOX'));
  await client.mailboxDelete('Work/Zürich');
  const rawClient = await RawClient.tls(env.servers.ports.imaps!);
  await rawClient.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  assert.match(await rawClient.command('b', 'CREATE Sent'), /^b NO \[ALREADYEXISTS\]/m);
  assert.match(await rawClient.command('c', 'DELETE INBOX'), /^c NO/m);
  assert.match(
    await rawClient.command('d', 'LIST "" "W*" RETURN (SPECIAL-USE STATUS (MESSAGES))'),
    /\* LIST \(\\HasNoChildren\) "\/" "Work"\r\n\* STATUS "Work" \(MESSAGES 0\)/,
  );
  assert.match(await rawClient.command('e', 'LIST (SPECIAL-USE) "" "*"'), /\\Trash/);
  assert.match(await rawClient.command('f', 'CREATE Old (USE (\\Archive))'), /^f OK/m);
  assert.match(
    await rawClient.command('g', 'LIST "" Old'),
    /\* LIST \(\\HasNoChildren \\Archive\) "\/" "Old"/,
  );
  rawClient.close();
  const status = await client.status('INBOX', {
    messages: true,
    uidNext: true,
    uidValidity: true,
    unseen: true,
    highestModseq: true,
  });
  assert.ok(status);
  assert.equal(status.messages, 0);
  assert.ok(status.uidValidity! > 0);
  await client.logout();
});

test('APPEND then FETCH every item, BODY.PEEK leaves \\Seen alone, BODY[] sets it', async () => {
  const client = imapflowClient(env, true);
  await client.connect();
  const appended = await client.append(
    'INBOX',
    SIMPLE,
    ['\\Flagged', '$Label1'],
    new Date('2026-11-23T08:30:00Z'),
  );
  assert.equal(appended && appended.uid, 1);
  await client.append('INBOX', NESTED);
  const lock = await client.getMailboxLock('INBOX');
  try {
    assert.equal((client.mailbox as { exists: number }).exists, 2);
    const first = await client.fetchOne('1', {
      flags: true,
      internalDate: true,
      size: true,
      envelope: true,
      bodyStructure: true,
      uid: true,
    });
    assert.ok(first);
    assert.deepEqual([...first.flags!].sort(), ['$Label1', '\\Flagged']);
    assert.equal(first.size, SIMPLE.length);
    assert.equal((first.internalDate as Date).toISOString(), '2026-11-23T08:30:00.000Z');
    assert.equal(first.envelope!.subject, 'Lunch plans');
    assert.deepEqual(first.envelope!.from, [{ name: 'Bob', address: 'bob@example.net' }]);
    assert.equal(first.envelope!.messageId, '<lunch@example.net>');
    assert.equal(first.bodyStructure!.type, 'text/plain');

    const second = await client.fetchOne('2', { envelope: true, bodyStructure: true });
    assert.ok(second);
    assert.equal(second.envelope!.subject, 'Report über Zürich');
    assert.equal(second.envelope!.from![0]!.name, 'Jürgen');
    const structure = second.bodyStructure!;
    assert.equal(structure.type, 'multipart/mixed');
    assert.equal(structure.childNodes![0]!.type, 'multipart/alternative');
    assert.equal(structure.childNodes![0]!.childNodes![0]!.type, 'text/plain');
    assert.equal(structure.childNodes![0]!.childNodes![0]!.part, '1.1');
    assert.equal(structure.childNodes![1]!.type, 'application/pdf');
    assert.equal(structure.childNodes![1]!.disposition, 'attachment');

    const peek = await client.fetchOne('2', { bodyParts: ['1.1', '2'], flags: true });
    assert.ok(peek);
    assert.match(peek.bodyParts!.get('1.1')!.toString(), /Gr=C3=BC=C3=9Fe/);
    assert.ok(!peek.flags!.has('\\Seen'), 'BODY.PEEK leaves \\Seen alone');
    const whole = await client.download('2');
    const chunks: Buffer[] = [];
    for await (const chunk of whole.content!) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).length, NESTED.length);
    const headers = await client.fetchOne('1', { headers: ['subject', 'from'] });
    assert.ok(headers);
    assert.match(headers.headers!.toString(), /^Subject: Lunch plans\r\n/im);
    assert.doesNotMatch(headers.headers!.toString(), /^To:/im);
  } finally {
    lock.release();
  }
  // By hand: BODY[] without PEEK sets \Seen and reports FLAGS; partial fetch; BINARY.
  const rawClient = await RawClient.tls(env.servers.ports.imaps!);
  await rawClient.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  await rawClient.command('b', 'SELECT INBOX');
  const partial = await rawClient.command('c', 'FETCH 1 (BODY[]<0.4>)');
  assert.match(partial, /\* 1 FETCH \(FLAGS \(\\Seen \\Flagged \$Label1\) BODY\[\]<0> \{4\}\r\nFrom\)/);
  const binary = await rawClient.command('d', 'FETCH 2 (BINARY.PEEK[1.1] BINARY.SIZE[2])');
  assert.match(binary, /BINARY\[1\.1\] \{\d+\}\r\nGrüße aus Zürich/);
  assert.match(binary, /BINARY\.SIZE\[2\] 18/);
  assert.match(await rawClient.command('e', 'FETCH 1:9 FLAGS'), /^e BAD/m);
  assert.match(await rawClient.command('f', 'FETCH 1 BODY[3.HEADER.NOPE]'), /^f BAD/m);
  assert.match(
    await rawClient.command('g', 'UID FETCH 1:4294967295 (UID)'),
    /\* 1 FETCH \(UID 1\)\r\n\* 2 FETCH \(UID 2\)\r\ng OK/,
  );
  rawClient.close();
  await client.logout();
});

test('STORE flags and keywords, UNCHANGEDSINCE, COPY with COPYUID, MOVE, EXPUNGE', async () => {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  await client.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  await client.command('b', 'ENABLE CONDSTORE');
  const selected = await client.command('c', 'SELECT INBOX');
  const modseq = Number(/HIGHESTMODSEQ (\d+)/.exec(selected)![1]);
  const store = await client.command('d', 'STORE 1 +FLAGS (\\Answered $Work)');
  assert.match(
    store,
    /\* 1 FETCH \(FLAGS \(\\Seen \\Answered \\Flagged \$Label1 \$Work\) MODSEQ \((\d+)\)\)/,
  );
  assert.match(await client.command('e', 'STORE 1 -FLAGS.SILENT ($Label1)'), /^e OK/m);
  const conditional = await client.command(
    'f',
    `UID STORE 1,2 (UNCHANGEDSINCE ${modseq}) +FLAGS.SILENT (\\Deleted)`,
  );
  assert.match(conditional, /^f OK \[MODIFIED 1\]/m);
  assert.match(await client.command('g', 'STORE 1 +FLAGS (\\Bogus)'), /^g BAD/m);
  const copy = await client.command('h', 'COPY 1 Archive');
  assert.match(copy, /^h OK \[COPYUID \d+ 1 1\]/m);
  assert.match(await client.command('i', 'COPY 1 Nowhere'), /^i NO \[TRYCREATE\]/m);
  // A keyword no session has seen yet is announced in FLAGS before it is used (RFC 9051 7.3.5).
  assert.match(
    await client.command('fk', 'STORE 2 +FLAGS ($Brand-New)'),
    /\* FLAGS \([^)]*\$Brand-New\)\r\n\* OK \[PERMANENTFLAGS[^\r]*\r\n\* 2 FETCH \(FLAGS \([^)]*\$Brand-New\)/,
  );
  const move = await client.command('j', 'UID MOVE 1 Trash');
  // With CONDSTORE on, the risen HIGHESTMODSEQ follows the expunge (the tagged OK is MOVE's own).
  assert.match(
    move,
    /\* OK \[COPYUID \d+ 1 1\][\s\S]*\* 1 EXPUNGE\r\n\* OK \[HIGHESTMODSEQ \d+\] Highest\r\nj OK/,
  );
  const expunge = await client.command('k', 'EXPUNGE');
  assert.match(expunge, /\* 1 EXPUNGE\r\nk OK/); // message 2 had \Deleted, now numbered 1
  // \Recent (IMAP4rev1): the first session to see the copy in Archive gets it, the next does not.
  assert.match(await client.command('r1', 'STATUS Archive (RECENT)'), /RECENT 1/);
  const other = await RawClient.tls(env.servers.ports.imaps!);
  await other.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  assert.match(await other.command('b', 'SELECT Archive'), /\* 1 RECENT\r\n/);
  assert.match(await other.command('c', 'FETCH 1 FLAGS'), /FLAGS \(\\Recent /);
  assert.match(await other.command('d', 'SEARCH NEW'), /\* SEARCH\r\n/); // it is \Seen
  assert.match(await other.command('e', 'SEARCH RECENT'), /\* SEARCH 1\r\n/);
  other.close();
  assert.match(await client.command('r2', 'STATUS Archive (RECENT)'), /RECENT 0/);
  const status = await client.command('l', 'STATUS Archive (MESSAGES UNSEEN)');
  assert.match(status, /\* STATUS "?Archive"? \(MESSAGES 1 UNSEEN 0\)/);
  client.close();
});

test('SEARCH keys from columns and content, ESEARCH, CHARSET', async () => {
  const client = imapflowClient(env, false);
  await client.connect();
  await client.mailboxCreate('Search');
  await client.append('Search', SIMPLE, ['\\Seen']);
  await client.append('Search', NESTED, [], new Date('2026-11-24T12:00:00Z'));
  await client.append(
    'Search',
    raw('From: carol@example.com\nSubject: big one\nX-Tag: blue\n\n' + 'x'.repeat(5000) + '\n'),
    ['$Important'],
  );
  const lock = await client.getMailboxLock('Search');
  try {
    assert.deepEqual(await client.search({ from: 'bob' }), [1]);
    assert.deepEqual(await client.search({ subject: 'zürich' }), [2]);
    assert.deepEqual(await client.search({ body: 'quarterly numbers' }), [2]);
    assert.deepEqual(await client.search({ body: 'grüße' }), [2]);
    assert.deepEqual(await client.search({ seen: false }), [2, 3]);
    assert.deepEqual(await client.search({ larger: 4000 }), [3]);
    assert.deepEqual(await client.search({ keyword: '$Important' }), [3]);
    assert.deepEqual(await client.search({ header: { 'x-tag': 'blue' } }), [3]);
    assert.deepEqual(await client.search({ or: [{ from: 'bob' }, { from: 'carol' }] }), [1, 3]);
    assert.deepEqual(await client.search({ not: { from: 'bob' }, seen: false }), [2, 3]);
    assert.deepEqual(await client.search({ on: new Date('2026-11-24T00:00:00Z') }), [2]);
    assert.deepEqual(await client.search({ sentBefore: new Date('2026-11-24T00:00:00Z') }), [1]);
    assert.deepEqual(await client.search({ text: 'pizza' }), [1]);
    assert.deepEqual(await client.search({ uid: '2:*' }, { uid: true }), [2, 3]);
  } finally {
    lock.release();
  }
  await client.logout();
  const rawClient = await RawClient.tls(env.servers.ports.imaps!);
  await rawClient.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  await rawClient.command('b', 'SELECT Search');
  assert.match(
    await rawClient.command('c', 'SEARCH RETURN (MIN MAX COUNT) UNSEEN'),
    /\* ESEARCH \(TAG "c"\) MIN 2 MAX 3 COUNT 2/,
  );
  assert.match(await rawClient.command('d', 'SEARCH CHARSET KOI8-R TEXT x'), /^d NO \[BADCHARSET/m);
  assert.match(
    await rawClient.command('e', 'SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nZürich'),
    /\* SEARCH 2\r\n/,
  );
  assert.match(await rawClient.command('f', 'SEARCH FROBNICATE'), /^f BAD/m);
  assert.match(await rawClient.command('g', 'SEARCH 1:4294967295'), /\* SEARCH 1 2 3\r\n/); // past the end matches nothing, as in Dovecot
  assert.match(await rawClient.command('h', 'UID SEARCH UID 1:4294967295'), /\* SEARCH 1 2 3\r\n/);
  rawClient.close();
});
