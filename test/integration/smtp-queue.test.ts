// The outbound queue against a real remote server (smtp-server sink) with DNS from a fixed zone:
// MX lookup and fallback, null MX, one connection per destination, STARTTLS, DKIM, retry with
// backoff on 4xx, RFC 3464 bounces on 5xx and expiry, delay notices, admin actions, smarthost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, PASSWORD, type SmtpFixture } from './smtp-fixture';
import { startSink, type Sink } from './smtp-sink';
import { db } from '../../server/core/db';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import {
  startQueueRunner,
  enqueueMessage,
  listQueue,
  retryNow,
  bounceNow,
  deleteQueueEntry,
  createDkimKey,
  type QueueRunner,
} from '../../server/queue';

let fixture: SmtpFixture;
let sink: Sink;
let runner: QueueRunner;
let dkimTxt: string;

before(async () => {
  fixture = await startFixture();
  sink = await startSink();
  dkimTxt = (await createDkimKey('foobar.com', 'q1')).value;
  setDnsResolver(
    staticResolver({
      'remote.example': { MX: [{ exchange: 'mx.remote.example', priority: 10 }] },
      'mx.remote.example': { A: ['127.0.0.1'] },
      'other.example': { MX: [{ exchange: 'mx.remote.example', priority: 5 }] },
      'amx.example': { A: ['127.0.0.1'] },
      'nullmx.example': { MX: [{ exchange: '', priority: 0 }] },
      'q1._domainkey.foobar.com': { TXT: [[dkimTxt]] },
    }),
  );
  runner = await startQueueRunner({ remotePort: sink.port, autoStart: false, firstRetryMs: 60_000 });
});
after(async () => {
  await runner.close();
  await sink.close();
  await fixture.close();
});

const submit = (to: string[], from = 'kim@foobar.com', subject = 'out') =>
  nodemailer
    .createTransport({
      host: '127.0.0.1',
      port: fixture.smtp.ports.smtps,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'kim@foobar.com', pass: PASSWORD },
    })
    .sendMail({ from, to, subject, text: 'Hello there' });

test('two recipients at one domain go in one transaction over STARTTLS, DKIM-signed; the entry is then gone', async () => {
  const info = await submit(['a@remote.example', 'b@remote.example']);
  const queueId = /queued as (\w+)/.exec(info.response)![1]!;
  assert.equal((await listQueue()).length, 1);
  const before = sink.connections;
  await runner.runOnce();
  assert.equal(sink.connections - before, 1);
  const received = sink.messages.at(-1)!;
  assert.deepEqual(received.to.sort(), ['a@remote.example', 'b@remote.example']);
  assert.equal(received.from, 'kim@foobar.com');
  assert.equal(received.secure, true);
  assert.match(
    received.raw,
    /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=foobar\.com;[\s\S]*s=q1;/,
  );
  assert.equal(await db().queueEntry.count({ where: { queueId } }), 0);
  assert.ok(
    await db().event.findFirst({ where: { queueId, protocol: 'queue', action: 'deliver', result: 'sent' } }),
  );
});

test('the implicit MX (A record) is used when there is no MX', async () => {
  await submit(['c@amx.example']);
  await runner.runOnce();
  assert.deepEqual(sink.messages.at(-1)!.to, ['c@amx.example']);
});

test('4xx defers with backoff and keeps the reply; retry now delivers once the remote takes it', async () => {
  sink.replies.set('slow', [451, '4.2.0 Greylisted, try later']);
  const info = await submit(['slow@remote.example']);
  const queueId = /queued as (\w+)/.exec(info.response)![1]!;
  await runner.runOnce();
  const entry = await db().queueEntry.findUniqueOrThrow({ where: { queueId } });
  assert.equal(entry.status, 'deferred');
  assert.equal(entry.attempts, 1);
  assert.match(entry.lastReply ?? '', /451 4\.2\.0 Greylisted/);
  assert.ok(entry.nextAttemptAt.getTime() - Date.now() > 50_000, 'first retry about a minute later');
  await runner.runOnce();
  assert.equal(
    (await db().queueEntry.findUniqueOrThrow({ where: { queueId } })).attempts,
    1,
    'not retried before its time',
  );
  sink.replies.delete('slow');
  await retryNow(queueId);
  await runner.runOnce();
  assert.equal(await db().queueEntry.count({ where: { queueId } }), 0);
  assert.deepEqual(sink.messages.at(-1)!.to, ['slow@remote.example']);
});

test('5xx bounces with an RFC 3464 report to the local sender; the good recipient is still delivered', async () => {
  sink.replies.set('gone', [550, '5.1.1 No such user here']);
  await submit(['gone@remote.example', 'fine@remote.example'], 'kim@foobar.com', 'will bounce');
  await runner.runOnce(); // remote attempt, then the bounce is queued to kim (local)
  await runner.runOnce();
  assert.deepEqual(sink.messages.at(-1)!.to, ['fine@remote.example']);
  const bounce = (await mailboxMessages('kim@foobar.com')).find((m) =>
    m.includes('Undelivered Mail Returned to Sender'),
  )!;
  assert.ok(bounce);
  assert.match(bounce, /^Return-Path: <>/);
  assert.match(bounce, /Content-Type: multipart\/report; report-type=delivery-status/);
  assert.match(bounce, /Final-Recipient: rfc822; gone@remote\.example\r\nAction: failed\r\nStatus: 5\.1\.1/);
  assert.match(bounce, /Diagnostic-Code: smtp; 550 5\.1\.1 No such user here/);
  assert.match(bounce, /Subject: will bounce/);
  assert.doesNotMatch(bounce, /Final-Recipient: rfc822; fine@/);
});

test('a null MX domain bounces at once (5.1.10); mail from the null sender is never bounced', async () => {
  await submit(['x@nullmx.example'], 'kim@foobar.com', 'to null mx');
  await runner.runOnce();
  await runner.runOnce();
  const bounce = (await mailboxMessages('kim@foobar.com')).find((m) =>
    m.includes('Final-Recipient: rfc822; x@nullmx.example'),
  );
  assert.match(bounce ?? '', /Status: 5\.1\.10/);
  const before = await db().queueEntry.count();
  const countBefore = (await mailboxMessages('kim@foobar.com')).length;
  await enqueueMessage({
    sender: '',
    recipients: ['y@nullmx.example'],
    content: Buffer.from('Subject: a bounce\r\n\r\nx\r\n'),
  });
  await runner.runOnce();
  await runner.runOnce();
  assert.equal(await db().queueEntry.count(), before);
  assert.equal((await mailboxMessages('kim@foobar.com')).length, countBefore);
});

test('a delay notice after the notice time, and a bounce at expiry (short lifetimes)', async () => {
  const shortRunner = await startQueueRunner({
    remotePort: sink.port,
    autoStart: false,
    delayNoticeMs: 0,
    lifetimeMs: 3_600_000,
  });
  sink.replies.set('later', [452, '4.2.2 Mailbox full']);
  const queueId = await enqueueMessage({
    sender: 'kim@foobar.com',
    recipients: ['later@remote.example'],
    content: Buffer.from('From: kim@foobar.com\r\nSubject: slowly\r\n\r\nx\r\n'),
  });
  await shortRunner.runOnce();
  await shortRunner.runOnce();
  const notice = (await mailboxMessages('kim@foobar.com')).find((m) => m.includes('Delayed Mail'));
  assert.match(notice ?? '', /Action: delayed\r\nStatus: 4\.2\.2/);
  assert.equal((await db().queueEntry.findUniqueOrThrow({ where: { queueId } })).delayNotified, true);
  await shortRunner.close();
  const expiring = await startQueueRunner({ remotePort: sink.port, autoStart: false, lifetimeMs: 1 });
  await retryNow(queueId);
  await expiring.runOnce();
  await expiring.runOnce();
  await expiring.close();
  assert.equal(await db().queueEntry.count({ where: { queueId } }), 0);
  const bounce = (await mailboxMessages('kim@foobar.com')).find(
    (m) => m.includes('Final-Recipient: rfc822; later@remote.example') && m.includes('Action: failed'),
  );
  assert.match(bounce ?? '', /gave up after/);
  sink.replies.delete('later');
});

test('admin: list, bounce now and delete', async () => {
  sink.replies.set('stuck', [421, '4.3.2 Shutting down']);
  const one = await enqueueMessage({
    sender: 'kim@foobar.com',
    recipients: ['stuck@remote.example'],
    content: Buffer.from('Subject: stuck one\r\n\r\nx\r\n'),
  });
  const two = await enqueueMessage({
    sender: 'kim@foobar.com',
    recipients: ['stuck@other.example'],
    content: Buffer.from('Subject: stuck two\r\n\r\nx\r\n'),
  });
  await runner.runOnce();
  const listed = await listQueue({ search: 'stuck' });
  assert.deepEqual(listed.map((entry) => entry.queueId).sort(), [one, two].sort());
  assert.match(listed[0]!.recipients[0]!.lastReply ?? '', /^421/);
  await deleteQueueEntry(two);
  await bounceNow(one);
  await runner.runOnce();
  assert.equal((await listQueue({ search: 'stuck' })).length, 0);
  assert.ok(
    (await mailboxMessages('kim@foobar.com')).some(
      (m) => /Returned by the administrator/.test(m) && m.includes('stuck@remote.example'),
    ),
  );
  assert.ok(!(await mailboxMessages('kim@foobar.com')).some((m) => m.includes('stuck@other.example')));
  sink.replies.delete('stuck');
});

test('two runners share the queue without sending anything twice', async () => {
  const second = await startQueueRunner({ remotePort: sink.port, autoStart: false, batchSize: 3 });
  const first = await startQueueRunner({ remotePort: sink.port, autoStart: false, batchSize: 3 });
  const ids: string[] = [];
  for (let i = 0; i < 12; i++)
    ids.push(
      await enqueueMessage({
        sender: 'kim@foobar.com',
        recipients: [`n${i}@remote.example`],
        content: Buffer.from(`Subject: parallel ${i}\r\n\r\nx\r\n`),
      }),
    );
  const before = sink.messages.length;
  await Promise.all([first.runOnce(), second.runOnce()]);
  // A claim skips rows another transaction holds at that instant (SKIP LOCKED), so both passes can
  // end with an entry neither took (once in CI on MariaDB); a running runner polls and takes it
  // later. One more pass, alone, plays that part: what was sent twice would still show twice.
  await first.runOnce();
  await Promise.all([first.close(), second.close()]);
  const got = sink.messages
    .slice(before)
    .map((m) => m.to[0])
    .sort();
  assert.deepEqual(got, ids.map((_, i) => `n${i}@remote.example`).sort());
});

test('a smarthost with AUTH takes all outbound mail', async () => {
  const smarthost = await startSink({ auth: { user: 'relayuser', pass: 'relaypass' } });
  const viaRelay = await startQueueRunner({
    autoStart: false,
    relayHost: { host: '127.0.0.1', port: smarthost.port, user: 'relayuser', password: 'relaypass' },
  });
  await enqueueMessage({
    sender: 'kim@foobar.com',
    recipients: ['z@nowhere-in-dns.example', 'y@remote.example'],
    content: Buffer.from('Subject: via relay\r\n\r\nx\r\n'),
  });
  await viaRelay.runOnce();
  await viaRelay.close();
  await smarthost.close();
  assert.equal(smarthost.messages.length, 1);
  assert.deepEqual(smarthost.messages[0]!.to.sort(), ['y@remote.example', 'z@nowhere-in-dns.example']);
  assert.equal(smarthost.messages[0]!.user, 'relayuser');
  assert.equal(smarthost.messages[0]!.secure, true);
});
