// Receiving mail on the MX listener with real clients: nodemailer, swaks and Python's smtplib.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, run, type SmtpFixture } from './smtp-fixture';
import { db } from '../../server/core/db';
import { flushEvents } from '../../server/core/events';

let fixture: SmtpFixture;
before(async () => {
  fixture = await startFixture({ maxMessageBytes: 200_000, maxRecipients: 3 });
});
after(() => fixture.close());

const mx = () =>
  nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });

test('nodemailer delivers to a local mailbox: stored once with Return-Path, Delivered-To and Received', async () => {
  const info = await mx().sendMail({
    from: 'friend@elsewhere.example',
    to: 'kim@foobar.com',
    subject: 'Hello Kim',
    text: 'First message',
  });
  assert.match(info.response, /^250 2\.0\.0 Ok: queued as [0-9A-Z]+$/);
  const [message] = await mailboxMessages('kim@foobar.com');
  assert.ok(message);
  assert.match(
    message,
    /^Return-Path: <friend@elsewhere\.example>\r\nDelivered-To: kim@foobar\.com\r\nReceived: from \[?[\w.-]+\]? \(localhost \[127\.0\.0\.1\]\)/,
  );
  assert.match(message, /by mx\.foobar\.com with ESMTP id [0-9A-Z]+\r\n\tfor <kim@foobar\.com>;/);
  assert.match(message, /Subject: Hello Kim/);
  const queueId = /queued as (\w+)/.exec(info.response)![1]!;
  await flushEvents();
  const events = await db().event.findMany({ where: { queueId }, orderBy: { id: 'asc' } });
  assert.deepEqual(
    [...new Set(events.map((event) => event.action))]
      .filter((action) => ['mail_from', 'rcpt_to', 'deliver', 'data'].includes(action))
      .sort(),
    ['data', 'deliver', 'mail_from', 'rcpt_to'],
  );
});

test('the banner names the host and no software; AUTH is not offered before STARTTLS (swaks)', async () => {
  const result = await run('swaks', [
    '--server',
    `127.0.0.1:${fixture.smtp.ports.smtp}`,
    '--quit-after',
    'EHLO',
    '--ehlo',
    'client.example',
  ]);
  assert.match(result.stdout, /<- {2}220 mx\.foobar\.com ESMTP\s*$/m);
  assert.doesNotMatch(result.stdout, /smtp-server|nodemailer|postroom/i);
  assert.match(result.stdout, /250-STARTTLS/);
  assert.match(result.stdout, /250-ENHANCEDSTATUSCODES/);
  assert.match(result.stdout, /250-8BITMIME/);
  assert.match(result.stdout, /250-SMTPUTF8/);
  assert.match(result.stdout, /250-PIPELINING/);
  assert.match(result.stdout, /SIZE 200000/);
  assert.doesNotMatch(result.stdout, /AUTH/);
  const tls = await run('swaks', [
    '--server',
    `127.0.0.1:${fixture.smtp.ports.smtp}`,
    '--tls',
    '--quit-after',
    'EHLO',
    '--ehlo',
    'client.example',
  ]);
  assert.match(tls.stdout, /250-AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER/);
});

test('relay is refused to a stranger with 554 5.7.1 (nodemailer)', async () => {
  await assert.rejects(
    mx().sendMail({
      from: 'friend@elsewhere.example',
      to: 'victim@gmail.example',
      subject: 'relay?',
      text: 'x',
    }),
    (error: { response?: string; responseCode?: number }) => {
      assert.equal(error.responseCode, 554);
      assert.match(error.response ?? '', /^554 5\.7\.1 <victim@gmail\.example>: Relay access denied/);
      return true;
    },
  );
  assert.equal(
    await db().queueEntry.count({ where: { recipients: { some: { address: 'victim@gmail.example' } } } }),
    0,
  );
});

test('unknown local user 550 5.1.1, sender REJECT 550 5.7.1 with the rule message (swaks)', async () => {
  const unknown = await run('swaks', [
    '--server',
    `127.0.0.1:${fixture.smtp.ports.smtp}`,
    '--from',
    'a@elsewhere.example',
    '--to',
    'nobody@foobar.com',
  ]);
  assert.match(
    unknown.stdout,
    /<\*\* 550 5\.1\.1 <nobody@foobar\.com>: Recipient address rejected: User unknown/,
  );
  const rejected = await run('swaks', [
    '--server',
    `127.0.0.1:${fixture.smtp.ports.smtp}`,
    '--from',
    'bob@junk.example',
    '--to',
    'kim@foobar.com',
  ]);
  assert.match(
    rejected.stdout,
    /<\*\* 550 5\.7\.1 <bob@junk\.example>: We do not accept mail from junk\.example/,
  );
});

test('DISCARD answers 250 and stores nothing; the drop is logged', async () => {
  const before = (await mailboxMessages('kim@foobar.com')).length;
  const info = await mx().sendMail({
    from: 'x@spam.com',
    to: 'kim@foobar.com',
    subject: 'spam',
    text: 'buy now',
  });
  assert.match(info.response, /^250 /);
  assert.equal((await mailboxMessages('kim@foobar.com')).length, before);
  const queueId = /queued as (\w+)/.exec(info.response)![1]!;
  await flushEvents();
  assert.equal((await db().event.findFirst({ where: { queueId, action: 'data' } }))?.result, 'discarded');
});

test('an alias with a local and an external destination: INBOX copy plus an outbound queue entry', async () => {
  const info = await mx().sendMail({
    from: 'friend@elsewhere.example',
    to: 'sales@foobar.net',
    subject: 'Order',
    text: 'One please',
  });
  const queueId = /queued as (\w+)/.exec(info.response)![1]!;
  const messages = await mailboxMessages('kim@foobar.com');
  assert.match(messages.at(-1)!, /Subject: Order/);
  const entry = await db().queueEntry.findUniqueOrThrow({
    where: { queueId },
    include: { recipients: true },
  });
  assert.deepEqual(
    entry.recipients.map((r) => r.address),
    ['partner@other.example'],
  );
  assert.equal(entry.sender, 'friend@elsewhere.example');
});

test('limits: SIZE 552 5.3.4, recipients 452, long lines 550 5.6.0, over quota 452 4.2.2 (smtplib)', async () => {
  const script = `
import smtplib, sys
port = int(sys.argv[1])
def attempt(fn):
    s = smtplib.SMTP('127.0.0.1', port)
    s.ehlo('client.example')
    try:
        fn(s)
        print('ok')
    except smtplib.SMTPDataError as e:
        print(e.smtp_code, e.smtp_error.decode())
    except smtplib.SMTPRecipientsRefused as e:
        for code, text in e.recipients.values(): print(code, text.decode())
    except smtplib.SMTPSenderRefused as e:
        print(e.smtp_code, e.smtp_error.decode())
    s.close()
big = 'Subject: big\\r\\n\\r\\n' + ('x' * 76 + '\\r\\n') * 4000
attempt(lambda s: s.sendmail('a@elsewhere.example', ['kim@foobar.com'], big))
attempt(lambda s: s.mail('a@elsewhere.example', ['size=999999999']) and None or (_ for _ in ()).throw(smtplib.SMTPSenderRefused(*s.mail('a@elsewhere.example', ['size=999999999']), 'a')))
long = 'Subject: long\\r\\n\\r\\n' + 'y' * 1500 + '\\r\\n'
attempt(lambda s: s.sendmail('a@elsewhere.example', ['kim@foobar.com'], long))
s = smtplib.SMTP('127.0.0.1', port); s.ehlo('c.example'); s.mail('a@elsewhere.example')
print(*[s.rcpt(r)[0] for r in ['kim@foobar.com', 'sales@foobar.com', 'kim@foobar.net', 'lee@foobar.com']])
s.close()
quota = 'Subject: quota\\r\\n\\r\\n' + ('z' * 70 + '\\r\\n') * 20
attempt(lambda s: s.sendmail('a@elsewhere.example', ['lee@foobar.com'], quota))
`;
  const result = await run('python3', ['-c', script, String(fixture.smtp.ports.smtp)]);
  const lines = result.stdout.trim().split('\n');
  assert.match(lines[0]!, /^552 5\.3\.4 /, result.stdout + result.stderr);
  assert.match(lines[1]!, /^552 5\.3\.4 /);
  assert.match(lines[2]!, /^550 5\.6\.0 Message has a line longer than 998/);
  assert.equal(lines[3], '250 250 250 452');
  assert.match(lines[4]!, /^452 4\.2\.2 /);
  assert.equal((await mailboxMessages('lee@foobar.com')).length, 0);
});

test('connections per IP beyond the limit get 421 4.7.0; an idle client is dropped with 421; too many commands before MAIL 421', async () => {
  const { startSmtpServers } = await import('../../server/smtp');
  const limited = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: {
      maxConnectionsPerIp: 2,
      idleTimeoutMs: 1500,
      maxCommandsBeforeMail: 5,
      checkAuthentication: false,
    },
  });
  try {
    const script = `
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(3):
    s = socket.create_connection(('127.0.0.1', port)); held.append(s)
    print(s.recv(200).decode().strip())
idle = held[0]
time.sleep(2.5)
print(idle.recv(200).decode().strip())
for s in held: s.close()
# The server hears those closes a moment later; connecting at once races its per-address count.
time.sleep(0.5)
s = socket.create_connection(('127.0.0.1', port)); s.recv(200)
for i in range(6):
    s.sendall(b'NOOP\\r\\n'); reply = s.recv(200).decode().strip()
print(reply)
`;
    const result = await run('python3', ['-c', script, String(limited.ports.smtp)]);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^220 mx\.foobar\.com ESMTP/);
    assert.match(lines[1]!, /^220 /);
    assert.match(lines[2]!, /^421 4\.7\.0 Too many connections/);
    assert.match(lines[3]!, /^421 /, 'idle timeout closes with 421');
    assert.match(lines[4]!, /^421 4\.7\.0 Too many commands without a mail transaction/);
  } finally {
    await limited.close();
  }
});

test('a message already delivered here is a loop (554 5.4.6); a forged Authentication-Results for this host is removed', async () => {
  const looped =
    'Delivered-To: kim@foobar.com\r\nFrom: a@elsewhere.example\r\nSubject: loop\r\n\r\nround and round\r\n';
  await assert.rejects(
    mx().sendMail({ envelope: { from: 'a@elsewhere.example', to: ['kim@foobar.com'] }, raw: looped }),
    (error: { response?: string }) => /^554 5\.4\.6 /.test(error.response ?? ''),
  );
  const forged =
    'Authentication-Results: mx.foobar.com;\r\n dkim=pass header.d=bank.example\r\nAuthentication-Results: other.example; spf=pass\r\nFrom: ceo@bank.example\r\nSubject: trust me\r\n\r\nbody\r\n';
  await mx().sendMail({ envelope: { from: 'a@elsewhere.example', to: ['kim@foobar.com'] }, raw: forged });
  const stored = (await mailboxMessages('kim@foobar.com')).at(-1)!;
  assert.match(stored, /Subject: trust me/);
  assert.doesNotMatch(stored, /dkim=pass header\.d=bank\.example/);
  assert.match(stored, /Authentication-Results: other\.example; spf=pass/);
});
