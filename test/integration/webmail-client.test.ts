// The webmail's server layer against our real IMAP and SMTP servers: token login, folders,
// paging, reading and sanitising, flags/move/delete/junk, SEARCH, sending with the Sent copy,
// drafts, isolation between mailboxes and live IDLE events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import {
  startWebmailFixture,
  deliver,
  simpleMessage,
  PASSWORD,
  HOSTNAME,
  type WebmailFixture,
} from './webmail-fixture';
import {
  listFolders,
  listMessages,
  readMessage,
  readAttachment,
  fetchSource,
  setFlag,
  moveMessages,
  deleteMessages,
  markJunk,
  searchMessages,
  searchAllFolders,
  listThreads,
  sendMessage,
  saveDraft,
  suggestAddresses,
  createFolder,
  renameFolder,
  deleteFolder,
  subscribeMailEvents,
  closeMailWatchers,
  withImap,
  closeWebmailConnections,
  type MailEvent,
} from '../../server/webmail';
import { FieldError } from '../../server/domain/errors';
import { setMailboxEnabled } from '../../server/domain';

let fixture: WebmailFixture;
before(async () => {
  // Refused forged logins below would otherwise slow every later login from 127.0.0.1 by the auth
  // core's growing penalty delay (tested on its own in auth-penalty.test.ts).
  process.env.POSTROOM_AUTH_PENALTY_MS = '0';
  fixture = await startWebmailFixture();
});
after(async () => {
  await fixture?.close();
});

/** An independent IMAP client logging in with the password, to check what the webmail did. */
async function imapAs(address: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: fixture.ports.imap,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: address, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  return client;
}

const RICH = [
  'From: "Evil <script>alert(1)</script>" <evil@elsewhere.test>',
  'To: alice@webmail.test',
  'Subject: =?UTF-8?Q?Caf=C3=A9_menu?=',
  'Date: Sun, 22 Nov 2026 10:00:00 +0000',
  'Message-ID: <rich@elsewhere.test>',
  `Authentication-Results: ${HOSTNAME}; spf=pass smtp.mailfrom=elsewhere.test; dkim=pass header.d=elsewhere.test; dmarc=pass header.from=elsewhere.test`,
  'Authentication-Results: forged.example; dmarc=fail',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/related; boundary="inner"',
  '',
  '--inner',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p onclick="alert(2)">Hi <b>Alice</b></p><script>alert(3)</script><img src="cid:logo@x"><img src="https://tracker.test/p.gif">',
  '--inner',
  'Content-Type: image/png',
  'Content-ID: <logo@x>',
  'Content-Disposition: inline',
  'Content-Transfer-Encoding: base64',
  '',
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  '--inner--',
  '--outer',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="report.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 fake but fine').toString('base64'),
  '--outer--',
  '',
].join('\r\n');

test('folders come with special-use and unread counts; a folder can be created, renamed and deleted', async () => {
  await deliver(fixture.alice.id, simpleMessage({ subject: 'unread one' }));
  await deliver(fixture.alice.id, simpleMessage({ subject: 'read one' }), 'INBOX', { seen: true });
  const folders = await listFolders(fixture.alice);
  assert.deepEqual(
    folders.map((f) => f.specialUse),
    ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'],
  );
  const inbox = folders.find((f) => f.path === 'INBOX')!;
  assert.equal(inbox.total, 2);
  assert.equal(inbox.unread, 1);
  const created = await createFolder(fixture.alice, 'Projects');
  await assert.rejects(
    createFolder(fixture.alice, 'projects'),
    (e: unknown) => e instanceof FieldError && /already exists/.test(e.message),
  );
  await assert.rejects(createFolder(fixture.alice, 'bad*name'), FieldError);
  const renamed = await renameFolder(fixture.alice, created, 'Work');
  assert.equal(renamed, 'Work');
  await assert.rejects(renameFolder(fixture.alice, 'Sent', 'Outbox'), /System folders/);
  await deleteFolder(fixture.alice, 'Work');
  assert.ok(!(await listFolders(fixture.alice)).some((f) => f.path === 'Work'));
});

test('the list is paged newest first and fetches only the page; sorting by sender and subject works', async () => {
  for (let i = 1; i <= 7; i++)
    await deliver(
      fixture.bob.id,
      simpleMessage({
        from: `Sender ${i} <s${i}@elsewhere.test>`,
        to: 'bob@webmail.test',
        subject: `Page test ${String.fromCharCode(72 - i)}${i}`,
        date: `Mon, ${10 + i} Nov 2026 09:00:00 +0000`,
      }),
    );
  const first = await listMessages(fixture.bob, 'INBOX', { pageSize: 3 });
  assert.equal(first.total, 7);
  assert.deepEqual(
    first.messages.map((m) => m.uid),
    [7, 6, 5],
  );
  const last = await listMessages(fixture.bob, 'INBOX', { pageSize: 3, page: 2 });
  assert.deepEqual(
    last.messages.map((m) => m.uid),
    [1],
  );
  assert.deepEqual((await listMessages(fixture.bob, 'INBOX', { pageSize: 3, page: 9 })).messages, []);
  const byFrom = await listMessages(fixture.bob, 'INBOX', { pageSize: 7, sort: 'from', reverse: true });
  assert.deepEqual(
    byFrom.messages.map((m) => m.from[0].name),
    ['Sender 7', 'Sender 6', 'Sender 5', 'Sender 4', 'Sender 3', 'Sender 2', 'Sender 1'],
  );
  const bySubject = await listMessages(fixture.bob, 'INBOX', {
    pageSize: 7,
    sort: 'subject',
    reverse: false,
  });
  assert.deepEqual(
    bySubject.messages.map((m) => m.subject),
    [...bySubject.messages.map((m) => m.subject)].sort(),
  );
  assert.equal(bySubject.messages[0].subject, 'Page test A7');
  assert.equal(first.messages[0].from[0].address, 's7@elsewhere.test');
});

test('reading parses, sanitises, rewrites cid: images, lists attachments, marks \\Seen and badges auth', async () => {
  const uid = await deliver(fixture.alice.id, RICH);
  const view = await readMessage(fixture.alice, 'INBOX', uid);
  assert.equal(view.subject, 'Café menu');
  assert.equal(view.from[0].name, 'Evil <script>alert(1)</script>');
  assert.ok(view.html);
  assert.doesNotMatch(view.html!, /<script|onclick|alert\(3\)|(?<!blocked-)src="https:\/\/tracker/);
  assert.match(
    view.html!,
    new RegExp(`src="/api/mail/attachment\\?folder=INBOX&amp;uid=${uid}&amp;index=0&amp;inline=1"`),
  );
  assert.equal(view.hasRemoteImages, true);
  assert.deepEqual(
    view.attachments.map((a) => [a.filename, a.contentType, a.inline]),
    [
      ['attachment-1', 'image/png', true],
      ['report.pdf', 'application/pdf', false],
    ],
  );
  assert.equal(view.attachments[1].size, '%PDF-1.4 fake but fine'.length);
  assert.equal(view.auth.badge, 'trusted');
  assert.equal(view.flags.seen, true);
  const pdf = await readAttachment(fixture.alice, 'INBOX', uid, 1);
  assert.equal(pdf.content.toString(), '%PDF-1.4 fake but fine');
  await assert.rejects(readAttachment(fixture.alice, 'INBOX', uid, 7), /No such attachment/);
  const allowed = await readMessage(fixture.alice, 'INBOX', uid, { allowRemote: true });
  assert.match(allowed.html!, /src="https:\/\/tracker.test\/p.gif"/);
  const forged = await deliver(
    fixture.alice.id,
    simpleMessage({ subject: 'forged', headers: 'Authentication-Results: somebody.else; dmarc=pass' }),
  );
  assert.equal((await readMessage(fixture.alice, 'INBOX', forged)).auth.badge, 'not-verified');
});

test('flags, move, delete to Trash then for good, and junk', async () => {
  const uid = await deliver(fixture.alice.id, simpleMessage({ subject: 'organise me' }));
  await setFlag(fixture.alice, 'INBOX', [uid], 'flagged', true);
  await setFlag(fixture.alice, 'INBOX', [uid], 'seen', true);
  let row = (await searchMessages(fixture.alice, 'INBOX', { subject: 'organise me' })).messages[0];
  assert.deepEqual([row.flags.flagged, row.flags.seen], [true, true]);
  const moved = await moveMessages(fixture.alice, 'INBOX', [uid], 'Archive');
  row = (await listMessages(fixture.alice, 'Archive')).messages[0];
  assert.equal(row.subject, 'organise me');
  // The new UID comes from COPYUID: what the page's Undo moves back.
  assert.deepEqual(moved, { from: 'INBOX', to: 'Archive', uids: [row.uid] });
  const deleted = await deleteMessages(fixture.alice, 'Archive', [row.uid]);
  assert.equal(deleted.result, 'trash');
  const trashed = (await listMessages(fixture.alice, 'Trash')).messages[0];
  assert.equal(trashed.subject, 'organise me');
  assert.deepEqual(deleted.result === 'trash' && deleted.moved.uids, [trashed.uid]);
  const undone = await moveMessages(fixture.alice, 'Trash', [trashed.uid], 'Archive');
  assert.equal((await listMessages(fixture.alice, 'Archive')).messages[0].uid, undone.uids[0]);
  await moveMessages(fixture.alice, 'Archive', undone.uids, 'Trash');
  const again = (await listMessages(fixture.alice, 'Trash')).messages[0];
  assert.equal((await deleteMessages(fixture.alice, 'Trash', [again.uid])).result, 'expunged');
  assert.equal((await listMessages(fixture.alice, 'Trash')).total, 0);
  const spam = await deliver(fixture.alice.id, simpleMessage({ subject: 'cheap pills' }));
  assert.equal((await markJunk(fixture.alice, 'INBOX', [spam], true)).folder, 'Junk');
  assert.equal((await listMessages(fixture.alice, 'Junk')).messages[0].subject, 'cheap pills');
  await assert.rejects(setFlag(fixture.alice, 'INBOX', [], 'seen', true), FieldError);
  await assert.rejects(setFlag(fixture.alice, 'INBOX', [-1 as number], 'seen', true), FieldError);
});

test("conversations come from THREAD=REFERENCES; a search of all folders names each hit's folder", async () => {
  const original = simpleMessage({ subject: 'Boat trip', body: 'Shall we sail the pelican?' });
  const id = /Message-ID: (<[^>]+>)/.exec(original)![1];
  const first = await deliver(fixture.alice.id, original);
  const reply = await deliver(
    fixture.alice.id,
    simpleMessage({ subject: 'Re: Boat trip', headers: `In-Reply-To: ${id}\r\nReferences: ${id}` }),
  );
  const alone = await deliver(fixture.alice.id, simpleMessage({ subject: 'Unrelated pelican' }));
  const page = await listThreads(fixture.alice, 'INBOX');
  const uids = page.threads.map((thread) => thread.messages.map((m) => m.uid));
  assert.deepEqual(uids[0], [alone], 'newest conversation first');
  assert.deepEqual(uids[1], [first, reply], 'the reply joins its original, oldest first');
  assert.equal(page.total, page.threads.length);
  await moveMessages(fixture.alice, 'INBOX', [alone], 'Archive');
  const inInbox = await searchMessages(fixture.alice, 'INBOX', { text: 'pelican' });
  assert.deepEqual(
    inInbox.messages.map((m) => m.subject),
    ['Boat trip'],
  );
  const everywhere = await searchAllFolders(fixture.alice, { text: 'pelican' });
  assert.equal(everywhere.allFolders, true);
  assert.deepEqual(everywhere.messages.map((m) => `${m.folder}:${m.subject}`).sort(), [
    'Archive:Unrelated pelican',
    'INBOX:Boat trip',
  ]);
  await assert.rejects(searchAllFolders(fixture.alice, {}), FieldError);
});

test('SEARCH by from, to, subject, body and date range', async () => {
  // Received on the day it was sent: the date range filters by arrival (SEARCH SINCE/BEFORE), and
  // a message delivered "now" would leave November once the calendar does.
  const sent = 'Tue, 03 Nov 2026 12:00:00 +0000';
  await deliver(
    fixture.alice.id,
    simpleMessage({
      from: 'Dave <dave@far.test>',
      subject: 'Quarterly numbers',
      body: 'The zebra figures are in.',
      date: sent,
    }),
    'INBOX',
    {},
    new Date(sent),
  );
  assert.equal((await searchMessages(fixture.alice, 'INBOX', { from: 'dave@far' })).total, 1);
  assert.equal((await searchMessages(fixture.alice, 'INBOX', { subject: 'quarterly' })).total, 1);
  assert.equal((await searchMessages(fixture.alice, 'INBOX', { body: 'zebra' })).total, 1);
  assert.equal(
    (await searchMessages(fixture.alice, 'INBOX', { to: 'alice@webmail.test', body: 'zebra' })).total,
    1,
  );
  assert.equal(
    (
      await searchMessages(fixture.alice, 'INBOX', {
        text: 'zebra',
        since: '2026-11-01',
        until: '2026-11-30',
      })
    ).total,
    1,
  );
  assert.equal(
    (await searchMessages(fixture.alice, 'INBOX', { body: 'zebra', until: '2026-10-31' })).total,
    0,
  );
  await assert.rejects(searchMessages(fixture.alice, 'INBOX', {}), FieldError);
  await assert.rejects(
    searchMessages(fixture.alice, 'INBOX', { since: 'yesterday' }),
    (e: unknown) => e instanceof FieldError && e.field === 'since',
  );
});

test('sending goes through submission with a token; Sent gets the copy, the recipient the message, the original \\Answered', async () => {
  const original = await deliver(
    fixture.alice.id,
    simpleMessage({ from: 'Bob <bob@webmail.test>', subject: 'Lunch?' }),
  );
  const result = await sendMessage(fixture.alice, {
    to: 'Bob <bob@webmail.test>',
    subject: 'Re: Lunch?',
    text: 'Yes, at noon.',
    replyTo: { folder: 'INBOX', uid: original },
    attachments: [{ filename: 'menu.txt', contentType: 'text/plain', content: Buffer.from('soup') }],
  });
  assert.equal(result.sentFolder, 'Sent');
  const bob = await imapAs('bob@webmail.test');
  try {
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await bob.mailboxOpen('INBOX');
      const uids = (await bob.search({ header: { 'message-id': result.messageId } }, { uid: true })) || [];
      found = uids.length > 0;
      if (!found) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(found, 'the reply reached bob over SMTP');
    const message = await bob.fetchOne('*', { source: true }, {});
    const source = message && message.source ? message.source.toString() : '';
    assert.match(source, /In-Reply-To: <[^>]+@elsewhere\.test>/);
    assert.match(source, /menu\.txt/);
  } finally {
    await bob.logout();
  }
  // Bob sees it as trusted: our own Received header says Alice signed in to send it.
  const atBob = (await searchMessages(fixture.bob, 'INBOX', { subject: 'Re: Lunch?' })).messages[0];
  assert.equal(
    (await readMessage(fixture.bob, 'INBOX', atBob.uid, { markSeen: false })).auth.badge,
    'trusted',
  );
  const sent = await listMessages(fixture.alice, 'Sent');
  assert.equal(sent.messages[0].subject, 'Re: Lunch?');
  assert.equal(sent.messages[0].flags.seen, true);
  const answered = (await searchMessages(fixture.alice, 'INBOX', { subject: 'Lunch?' })).messages.find(
    (m) => m.uid === original,
  )!;
  assert.equal(answered.flags.answered, true);
  // Rich text is sanitised before it leaves.
  await sendMessage(fixture.alice, {
    to: 'bob@webmail.test',
    subject: 'Rich note',
    text: 'bold',
    html: '<p><b>bold</b><img src=x onerror=alert(1)><script>alert(2)</script></p>',
  });
  const rich = (await searchMessages(fixture.bob, 'INBOX', { subject: 'Rich note' })).messages[0];
  const richSource = (await fetchSource(fixture.bob, 'INBOX', rich.uid)).source.toString();
  assert.match(richSource, /<b>bold<\/b>/);
  assert.doesNotMatch(richSource, /onerror|<script/);
  await assert.rejects(
    sendMessage(fixture.alice, { to: 'not an address', subject: 'x' }),
    (e: unknown) => e instanceof FieldError && e.field === 'to',
  );
  await assert.rejects(
    sendMessage(fixture.alice, { to: '', subject: 'x' }),
    (e: unknown) => e instanceof FieldError && e.field === 'to',
  );
});

test('forwarding as an attachment carries the original as message/rfc822; inline forwarding keeps its attachments', async () => {
  const original = await deliver(
    fixture.alice.id,
    simpleMessage({ subject: 'Forward me', body: 'original words' }),
  );
  await sendMessage(fixture.alice, {
    to: 'bob@webmail.test',
    subject: 'Fwd: Forward me',
    text: 'see attached',
    forward: { folder: 'INBOX', uid: original, asAttachment: true },
  });
  const found = await searchMessages(fixture.bob, 'INBOX', { subject: 'Fwd: Forward me' });
  const view = await readMessage(fixture.bob, 'INBOX', found.messages[0].uid, { markSeen: false });
  assert.deepEqual(
    view.attachments.map((a) => [a.filename, a.contentType]),
    [['Forward me.eml', 'message/rfc822']],
  );
  assert.match(
    (await readAttachment(fixture.bob, 'INBOX', found.messages[0].uid, 0)).content.toString(),
    /original words/,
  );
  const withFiles = await deliver(
    fixture.alice.id,
    RICH.replace('Message-ID: <rich@', 'Message-ID: <rich2@'),
  );
  await sendMessage(fixture.alice, {
    to: 'bob@webmail.test',
    subject: 'Fwd: report',
    text: 'inline forward',
    forward: { folder: 'INBOX', uid: withFiles, asAttachment: false },
  });
  const inline = (await searchMessages(fixture.bob, 'INBOX', { subject: 'Fwd: report' })).messages[0];
  assert.deepEqual(
    (await readMessage(fixture.bob, 'INBOX', inline.uid, { markSeen: false })).attachments.map(
      (a) => a.filename,
    ),
    ['report.pdf'],
  );
});

test('drafts are saved to Drafts and each save replaces the previous one', async () => {
  const first = await saveDraft(fixture.alice, { to: 'bob@webmail.test', subject: 'Plan', text: 'v1' });
  const second = await saveDraft(fixture.alice, {
    to: 'bob@webmail.test',
    subject: 'Plan',
    text: 'v2',
    draftUid: first.uid ?? undefined,
  });
  const drafts = await listMessages(fixture.alice, 'Drafts');
  assert.equal(drafts.total, 1);
  assert.equal(drafts.messages[0].uid, second.uid);
  assert.equal(drafts.messages[0].flags.draft, true);
  assert.equal((await readMessage(fixture.alice, 'Drafts', second.uid!)).text.trim(), 'v2');
});

test("one mailbox can never read another's messages, and a disabled mailbox gets no connection", async () => {
  const bobOnly = await deliver(
    fixture.bob.id,
    simpleMessage({ to: 'bob@webmail.test', subject: 'for bob only' }),
  );
  const aliceTotal = (await listMessages(fixture.alice, 'INBOX')).total;
  // Bob's UID in Alice's session names Alice's own message (or nothing), never Bob's.
  const attempt = await readMessage(fixture.alice, 'INBOX', bobOnly).catch(() => null);
  assert.notEqual(attempt?.subject, 'for bob only');
  assert.ok(aliceTotal > 0);
  // A user object claiming Bob's address with Alice's id cannot log in: the token is bound to the id.
  await assert.rejects(
    withImap({ id: fixture.alice.id, address: 'bob@webmail.test' }, async () => undefined),
  );
  await assert.rejects(withImap({ id: 999_999, address: 'nobody@webmail.test' }, async () => undefined));
  await closeWebmailConnections();
  await setMailboxEnabled('bob@webmail.test', false);
  try {
    await assert.rejects(withImap(fixture.bob, async () => undefined));
  } finally {
    await setMailboxEnabled('bob@webmail.test', true);
  }
  assert.equal(await withImap(fixture.bob, async () => 'ok again'), 'ok again');
});

test('new mail in INBOX is pushed to subscribers from IDLE', async () => {
  const events: MailEvent[] = [];
  const unsubscribe = subscribeMailEvents(fixture.alice, (event) => events.push(event));
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await deliver(fixture.alice.id, simpleMessage({ subject: 'live one' }));
    for (let i = 0; i < 50 && !events.some((e) => e.type === 'exists'); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const exists = events.find((e) => e.type === 'exists');
    assert.ok(exists, 'an exists event arrived');
    assert.equal(exists.folder, 'INBOX');
  } finally {
    unsubscribe();
  }
});

// The page lists INBOX, then subscribes; the watcher's IMAP connection comes up a moment later.
// Mail that lands in between raises no EXISTS for it, so 'ready' (sent once INBOX is selected)
// tells the tabs to catch up; a tab joining a live watcher hears 'ready' at once.
test('the watcher says ready once INBOX is selected, so mail from before IDLE is caught up', async () => {
  await closeMailWatchers(); // the previous test's watcher would still be lingering
  const first: MailEvent[] = [];
  const second: MailEvent[] = [];
  const unsubscribeFirst = subscribeMailEvents(fixture.alice, (event) => first.push(event));
  try {
    // before the watcher has logged in: no EXISTS will ever be pushed for this one
    await deliver(fixture.alice.id, simpleMessage({ subject: 'before the watcher' }));
    for (let i = 0; i < 100 && !first.some((e) => e.type === 'ready'); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(
      first.some((e) => e.type === 'ready' && e.folder === 'INBOX'),
      'ready once the watcher is in INBOX',
    );
    const unsubscribeSecond = subscribeMailEvents(fixture.alice, (event) => second.push(event));
    await new Promise((resolve) => setTimeout(resolve, 50));
    unsubscribeSecond();
    assert.deepEqual(first, [{ type: 'ready', folder: 'INBOX' }], 'no EXISTS for mail from before');
    assert.deepEqual(second, [{ type: 'ready', folder: 'INBOX' }], 'a tab joining a live watcher');
  } finally {
    unsubscribeFirst();
  }
});

test('concurrent first requests of one user share the connection being opened', async () => {
  await closeWebmailConnections();
  const [folders, inbox, again, sent] = await Promise.all([
    listFolders(fixture.alice),
    listMessages(fixture.alice, 'INBOX'),
    listFolders(fixture.alice),
    listMessages(fixture.alice, 'Sent'),
  ]);
  assert.equal(folders.length, again.length);
  assert.ok(inbox.total > 0);
  assert.ok(sent.total > 0);
});

test('address suggestions come from the domain directory and from past recipients', async () => {
  const actor = { name: fixture.alice.address, userId: fixture.alice.id, role: 'user' as const };
  assert.deepEqual(
    (await suggestAddresses(fixture.alice, actor, 'bo')).map((s) => [s.name, s.address]),
    [['Bob', 'bob@webmail.test']],
  );
  assert.deepEqual(await suggestAddresses(fixture.alice, actor, 'zzz'), []);
  await sendMessage(fixture.alice, {
    to: 'Pat Partner <pat@partner.example>',
    subject: 'Hello partner',
    text: 'hi',
  });
  const suggestions = await suggestAddresses(fixture.alice, actor, 'pat');
  assert.ok(
    suggestions.some((s) => s.address === 'pat@partner.example' && s.name === 'Pat Partner'),
    JSON.stringify(suggestions),
  );
});
