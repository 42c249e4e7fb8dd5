// Sieve at final delivery: mail arrives over SMTP (nodemailer to the MX listener) into mailboxes
// whose active scripts file it (flags, :create, a missing folder), discard, redirect (through the
// queue to a real remote smtp-server, never back to the mailbox itself), reject (an MDN from <>),
// answer with vacation (once per period per sender, never to <> or lists), edit the stored
// header; a failing script keeps the message in INBOX with the reason in the journey; and mail
// retried by the queue into a mailbox that was full is filtered too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, type SmtpFixture } from './smtp-fixture';
import { startSink, type Sink } from './smtp-sink';
import { db } from '../../server/core/db';
import { addMailbox } from '../../server/domain';
import { startQueueRunner, type QueueRunner } from '../../server/queue';
import { activateSieveScript, putSieveScript } from '../../server/rules';
import { forgetDeliveryScripts } from '../../server/rules/delivery-scripts';

let fixture: SmtpFixture;
let sink: Sink;
let runner: QueueRunner;

before(async () => {
  fixture = await startFixture(
    {},
    {
      'remote.example': { MX: [{ exchange: 'mx.remote.example', priority: 10 }] },
      'mx.remote.example': { A: ['127.0.0.1'] },
    },
  );
  sink = await startSink();
  runner = await startQueueRunner({ remotePort: sink.port, autoStart: false, firstRetryMs: 60_000 });
  await addMailbox({ address: 'max@foobar.com', password: 'Correct-Horse-Battery-9' });
});
after(async () => {
  await runner.close();
  await sink.close();
  await fixture.close();
});

async function activate(address: string, source: string): Promise<void> {
  const [local, domain] = address.split('@') as [string, string];
  const user = await db().user.findUniqueOrThrow({ where: { local_domain: { local, domain } } });
  const result = await putSieveScript(user.id, 'main', source);
  assert.ok(result.ok, JSON.stringify(result));
  await activateSieveScript(user.id, 'main');
}

interface Mail {
  to: string;
  from?: string;
  envelopeFrom?: string;
  subject: string;
  text?: string;
  headers?: Record<string, string>;
}

/** Sends over SMTP to the MX port; resolves with the queue id from the 250 reply. */
async function send(mail: Mail): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const from = mail.from ?? 'carol@remote.example';
  const info = await transport.sendMail({
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text ?? 'Hello',
    headers: mail.headers,
    envelope: { from: mail.envelopeFrom ?? from, to: [mail.to] },
  });
  return /queued as (\w+)/.exec(info.response)![1]!;
}

async function sieveEvent(queueId: string, user?: string) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = await db().event.findFirst({
      where: { queueId, action: 'sieve', ...(user ? { user } : {}) },
      orderBy: { id: 'desc' },
    });
    if (row)
      return { ...row, detail: JSON.parse(row.detail ?? '{}') as { notes?: string[]; actions?: string[] } };
    if (Date.now() > deadline) throw new Error(`no sieve event for ${queueId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const subjects = (raws: string[]) => raws.map((raw) => /^Subject: (.*)$/m.exec(raw)?.[1]);

test('fileinto with flags and :create; a missing folder without :create keeps in INBOX with a journey note', async () => {
  await activate(
    'kim@foobar.com',
    `require ["fileinto", "imap4flags", "mailbox"];
if header :contains "subject" "invoice" { fileinto :create :flags "\\\\Seen $Paid" "Invoices/2026"; stop; }
if header :contains "subject" "nowhere" { fileinto "Missing"; stop; }
`,
  );
  const filed = await send({ to: 'kim@foobar.com', subject: 'Your invoice 42' });
  assert.deepEqual(subjects(await mailboxMessages('kim@foobar.com', 'Invoices/2026')), ['Your invoice 42']);
  const row = await db().message.findFirstOrThrow({ where: { folder: { name: 'Invoices/2026' } } });
  assert.equal(row.seen, true);
  assert.equal(row.keywords, '$Paid');
  assert.equal((await sieveEvent(filed)).result, 'filed');

  const missing = await send({ to: 'kim@foobar.com', subject: 'going nowhere' });
  assert.ok(subjects(await mailboxMessages('kim@foobar.com')).includes('going nowhere'));
  assert.equal(await db().folder.count({ where: { name: 'Missing' } }), 0);
  const event = await sieveEvent(missing);
  assert.match(event.detail.notes?.join() ?? '', /Missing/);

  const plain = await send({ to: 'kim@foobar.com', subject: 'ordinary' });
  assert.ok(subjects(await mailboxMessages('kim@foobar.com')).includes('ordinary'));
  assert.equal((await sieveEvent(plain)).result, 'kept');
});

test('discard stores nothing; editheader edits the stored copy', async () => {
  await activate(
    'kim@foobar.com',
    `require ["editheader"];
if header :contains "subject" "drop me" { discard; stop; }
addheader "X-Filtered" "by Sieve";
deleteheader "X-Spam-Flag";
`,
  );
  const before = (await mailboxMessages('kim@foobar.com')).length;
  const dropped = await send({ to: 'kim@foobar.com', subject: 'please drop me' });
  assert.equal((await mailboxMessages('kim@foobar.com')).length, before);
  assert.equal((await sieveEvent(dropped)).result, 'discarded');

  await send({ to: 'kim@foobar.com', subject: 'edited', headers: { 'X-Spam-Flag': 'YES' } });
  const stored = (await mailboxMessages('kim@foobar.com')).at(-1)!;
  assert.match(stored, /^X-Filtered: by Sieve\r\n/);
  assert.doesNotMatch(stored, /X-Spam-Flag/);
  assert.match(stored, /Subject: edited/);
});

test('redirect goes out through the queue with the original sender and a marker; never back to itself', async () => {
  await activate(
    'kim@foobar.com',
    `if header :contains "subject" "forward" { redirect "partner@remote.example"; }
if header :contains "subject" "self" { redirect "kim@foobar.com"; }
`,
  );
  const before = (await mailboxMessages('kim@foobar.com')).length;
  const queueId = await send({
    to: 'kim@foobar.com',
    subject: 'please forward',
    envelopeFrom: 'carol@remote.example',
  });
  assert.equal(
    (await mailboxMessages('kim@foobar.com')).length,
    before,
    'redirect cancels the implicit keep',
  );
  assert.equal((await sieveEvent(queueId)).result, 'redirected');
  await runner.runOnce();
  const out = sink.messages.find((m) => m.to.includes('partner@remote.example'));
  assert.ok(out, 'the redirected copy reached the remote server');
  assert.equal(out.from, 'carol@remote.example');
  assert.match(out.raw, /X-Sieve-Redirected-From: <kim@foobar.com>/);
  assert.doesNotMatch(out.raw, /^Return-Path:/m);

  const self = await send({ to: 'kim@foobar.com', subject: 'to self' });
  assert.ok(subjects(await mailboxMessages('kim@foobar.com')).includes('to self'));
  assert.match((await sieveEvent(self)).detail.notes?.join() ?? '', /would loop/);
});

test('a redirect loop between two mailboxes ends with the message kept', async () => {
  await activate('kim@foobar.com', 'redirect "max@foobar.com";\n');
  await activate('max@foobar.com', 'redirect "kim@foobar.com";\n');
  await send({ to: 'kim@foobar.com', subject: 'ping pong' });
  for (let i = 0; i < 4; i++) await runner.runOnce();
  const kept = [
    ...subjects(await mailboxMessages('kim@foobar.com')),
    ...subjects(await mailboxMessages('max@foobar.com')),
  ].filter((s) => s === 'ping pong');
  assert.equal(kept.length, 1, 'stored exactly once, where the loop closed');
  assert.equal(await db().queueEntry.count(), 0);
  await activateSieveScript((await db().user.findFirstOrThrow({ where: { local: 'max' } })).id, null);
});

test('reject: nothing stored, an MDN to the sender from <>', async () => {
  await activate('kim@foobar.com', 'require "reject";\nreject "We do not want this.";\n');
  const before = (await mailboxMessages('kim@foobar.com')).length;
  const queueId = await send({ to: 'kim@foobar.com', subject: 'unwanted', from: 'dan@remote.example' });
  assert.equal((await mailboxMessages('kim@foobar.com')).length, before);
  assert.equal((await sieveEvent(queueId)).result, 'rejected');
  await runner.runOnce();
  const mdn = sink.messages.find((m) => m.to.includes('dan@remote.example'));
  assert.ok(mdn);
  assert.equal(mdn.from, '');
  assert.match(mdn.raw, /report-type=disposition-notification/);
  assert.match(mdn.raw, /We do not want this\./);
  assert.match(mdn.raw, /Disposition: automatic-action\/MDN-sent-automatically; deleted/);
  assert.match(mdn.raw, /Subject: unwanted/); // the original header comes back
});

test('ereject with one recipient is the SMTP reply (550 5.7.1, no MDN); with two it is an MDN', async () => {
  await activate('kim@foobar.com', 'require "ereject";\nereject "Not here, sorry.";\n');
  const queued = await db().queueEntry.count();
  await assert.rejects(
    send({ to: 'kim@foobar.com', subject: 'refused now', from: 'jo@remote.example' }),
    (error: { responseCode?: number; response?: string }) => {
      assert.equal(error.responseCode, 550);
      assert.match(error.response ?? '', /^550 5\.7\.1 Not here, sorry\./);
      return true;
    },
  );
  assert.equal(await db().queueEntry.count(), queued, 'no MDN queued');
  assert.ok(!subjects(await mailboxMessages('kim@foobar.com')).includes('refused now'));
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const info = await transport.sendMail({
    from: 'jo@remote.example',
    to: ['kim@foobar.com', 'max@foobar.com'],
    subject: 'refused later',
    text: 'hi',
  });
  assert.match(info.response, /^250/);
  await runner.runOnce();
  const mdn = sink.messages.find((m) => m.to.includes('jo@remote.example'));
  assert.ok(mdn, 'an MDN when others take the message');
  assert.match(mdn.raw, /Not here, sorry\./);
  assert.ok(subjects(await mailboxMessages('max@foobar.com')).includes('refused later'));
});

test('vacation: once per period per sender, from <>, threaded; never to <> nor to list mail', async () => {
  await activate(
    'kim@foobar.com',
    'require "vacation";\nvacation :days 1 :subject "Away" "I am away until Monday.";\n',
  );
  const count = (to: string) => sink.messages.filter((m) => m.to.includes(to)).length;
  await send({ to: 'kim@foobar.com', subject: 'hello 1', from: 'erin@remote.example' });
  await runner.runOnce();
  assert.equal(count('erin@remote.example'), 1);
  const reply = sink.messages.find((m) => m.to.includes('erin@remote.example'))!;
  assert.equal(reply.from, '');
  assert.match(reply.raw, /^Auto-Submitted: auto-replied/m);
  assert.match(reply.raw, /^Subject: Away/m);
  assert.match(reply.raw, /^In-Reply-To: <.+>/m);
  assert.match(reply.raw, /I am away until Monday\./);
  // The message itself is kept.
  assert.ok(subjects(await mailboxMessages('kim@foobar.com')).includes('hello 1'));

  const second = await send({ to: 'kim@foobar.com', subject: 'hello 2', from: 'erin@remote.example' });
  await runner.runOnce();
  assert.equal(count('erin@remote.example'), 1, 'one reply per period');
  assert.match((await sieveEvent(second)).detail.notes?.join() ?? '', /already answered/);

  await send({ to: 'kim@foobar.com', subject: 'bounce', from: 'frank@remote.example', envelopeFrom: '' });
  await send({
    to: 'kim@foobar.com',
    subject: 'list post',
    from: 'gina@remote.example',
    headers: { 'List-Id': '<talk.remote.example>', Precedence: 'list' },
  });
  await runner.runOnce();
  assert.equal(count('frank@remote.example'), 0, 'never to the null sender');
  assert.equal(count('gina@remote.example'), 0, 'never to list mail');
  assert.ok(subjects(await mailboxMessages('kim@foobar.com')).includes('list post'));

  // :from must be one of the mailbox's addresses (here at its alias domain): anyone else's is not used.
  const replyTo = async (from: string, sender: string) => {
    await activate('kim@foobar.com', `require "vacation";\nvacation :from "${from}" "Away.";\n`);
    await send({ to: 'kim@foobar.com', subject: 'hello again', from: sender });
    await runner.runOnce();
    const replies = sink.messages.filter((m) => m.to.includes(sender));
    assert.equal(replies.length, 1);
    return replies[0]!.raw;
  };
  assert.match(await replyTo('Kim <kim@foobar.net>', 'hank@remote.example'), /^From: Kim <kim@foobar\.net>/m);
  assert.match(await replyTo('ceo@bank.example', 'ivy@remote.example'), /^From: kim@foobar\.com/m);
});

test('a script that fails keeps the message in INBOX and says why in the journey', async () => {
  await activate(
    'kim@foobar.com',
    // The redirect comes first, the failing fileinto (a folder that does not exist) after: nothing
    // of a failed run is carried out, the message is only kept.
    'require ["fileinto", "copy"];\nredirect :copy "partner@remote.example";\nfileinto "No/Such/Folder";\n',
  );
  const sent = sink.messages.length;
  const queueId = await send({ to: 'kim@foobar.com', subject: 'runtime error' });
  assert.ok(subjects(await mailboxMessages('kim@foobar.com')).includes('runtime error'));
  await runner.runOnce();
  assert.equal(sink.messages.length, sent, 'the redirect of the failed run was not sent');
  const event = await sieveEvent(queueId);
  assert.equal(event.result, 'error');
  assert.match(event.detail.notes?.join() ?? '', /sieve error/);
  // A compiled form the interpreter cannot read (say, from another version) is a rule error too.
  await db().sieveScript.updateMany({
    where: { name: 'main' },
    data: { compiled: '{"version":99}', updatedAt: new Date() },
  });
  // Written past the rules layer, as another process would: MariaDB's remembered row goes now
  // rather than within its two seconds.
  forgetDeliveryScripts();
  const broken = await send({ to: 'kim@foobar.com', subject: 'broken script' });
  assert.ok(subjects(await mailboxMessages('kim@foobar.com')).includes('broken script'));
  assert.match((await sieveEvent(broken)).detail.notes?.join() ?? '', /could not be loaded/);
});

test('mail retried by the queue into a mailbox that was full is filtered too', async () => {
  await activate('lee@foobar.com', 'require ["fileinto", "mailbox"];\nfileinto :create "Retried";\n');
  // lee's quota is 1K: the message waits in the queue (kim, another recipient, takes it at once).
  await db().sieveScript.deleteMany({ where: { user: { local: 'kim' } } });
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const info = await transport.sendMail({
    from: 'carol@remote.example',
    to: ['lee@foobar.com', 'kim@foobar.com'],
    subject: 'big one',
    text: 'x'.repeat(3000),
  });
  const queueId = /queued as (\w+)/.exec(info.response)![1]!;
  assert.equal(await db().queueEntry.count({ where: { queueId } }), 1);
  assert.deepEqual(subjects(await mailboxMessages('lee@foobar.com', 'Retried')), []);
  await db().user.updateMany({ where: { local: 'lee' }, data: { quotaBytes: 0n } });
  await db().queueEntry.updateMany({ where: { queueId }, data: { nextAttemptAt: new Date() } });
  await runner.runOnce();
  assert.deepEqual(subjects(await mailboxMessages('lee@foobar.com', 'Retried')), ['big one']);
  const event = await sieveEvent(queueId, 'lee@foobar.com');
  assert.equal(event.protocol, 'queue');
  assert.equal(event.result, 'filed');
});
