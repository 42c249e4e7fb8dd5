// Submission (587, STARTTLS then AUTH) and submissions (465, implicit TLS) with real clients:
// nodemailer, Python's smtplib, swaks and curl. The webmail's token login goes through XOAUTH2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, run, PASSWORD, type SmtpFixture } from './smtp-fixture';
import { db } from '../../server/core/db';
import { mintAccessToken } from '../../server/auth';

let fixture: SmtpFixture;
before(async () => {
  fixture = await startFixture();
});
after(() => fixture.close());

const tlsOptions = { rejectUnauthorized: false };

test('submission refuses MAIL before STARTTLS and before AUTH (530 5.7.0), AUTH only after TLS', async () => {
  const port = String(fixture.smtp.ports.submission);
  const plain = await run('swaks', [
    '--server',
    `127.0.0.1:${port}`,
    '--from',
    'kim@foobar.com',
    '--to',
    'x@gmail.example',
  ]);
  assert.match(plain.stdout, /<\*\* 530 5\.7\.0 Must issue a STARTTLS command first/);
  const noAuth = await run('swaks', [
    '--server',
    `127.0.0.1:${port}`,
    '--tls',
    '--from',
    'kim@foobar.com',
    '--to',
    'x@gmail.example',
  ]);
  assert.match(noAuth.stdout, /<~\* 530 5\.7\.0 Authentication required/);
  const authPlain = await run('swaks', [
    '--server',
    `127.0.0.1:${port}`,
    '--auth',
    'PLAIN',
    '--auth-user',
    'kim@foobar.com',
    '--auth-password',
    PASSWORD,
    '--from',
    'kim@foobar.com',
    '--to',
    'x@gmail.example',
  ]);
  assert.match(authPlain.stdout + authPlain.stderr, /did not advertise authentication/i);
  assert.notEqual(authPlain.code, 0);
});

test('STARTTLS + AUTH LOGIN relays to an external domain and records TLS and the user in Received (smtplib)', async () => {
  const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.starttls(context=ctx)
s.ehlo('laptop.example')
s.login('kim@foobar.com', sys.argv[2])
print(s.sendmail('kim@foobar.com', ['friend@gmail.example', 'lee@foobar.com'], 'From: kim@foobar.com\\r\\nSubject: out\\r\\n\\r\\nhi\\r\\n'))
try:
    s.sendmail('lee@foobar.com', ['friend@gmail.example'], 'Subject: spoof\\r\\n\\r\\nx\\r\\n')
except smtplib.SMTPSenderRefused as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`;
  const result = await run('python3', ['-c', script, String(fixture.smtp.ports.submission), PASSWORD]);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[0], '{}', result.stderr);
  assert.match(
    lines[1]!,
    /^553 5\.7\.1 <lee@foobar\.com>: Sender address rejected: not owned by user kim@foobar\.com/,
  );
  const entry = await db().queueEntry.findFirstOrThrow({
    where: { sender: 'kim@foobar.com' },
    include: { recipients: true },
  });
  assert.deepEqual(
    entry.recipients.map((r) => r.address),
    ['friend@gmail.example'],
  );
  // Received records the TLS version and cipher and the authenticated user (as the qmail seed checks).
  const [stored] = await mailboxMessages('lee@foobar.com');
  assert.match(stored!, /\(using TLSv1\.[23] with cipher [A-Z0-9_-]+\)/);
  assert.match(stored!, /\(Authenticated sender: kim@foobar\.com\)/);
  assert.match(stored!, /with ESMTPSA id/);
});

test('wrong password: 535 5.7.8, and the failure is logged by the auth core (nodemailer)', async () => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.submission,
    secure: false,
    requireTLS: true,
    tls: tlsOptions,
    auth: { user: 'kim@foobar.com', pass: 'wrong-password' },
  });
  await assert.rejects(
    transport.sendMail({ from: 'kim@foobar.com', to: 'x@gmail.example', text: 'x' }),
    (error: { response?: string }) => /^535 5\.7\.8/.test(error.response ?? ''),
  );
  assert.ok(
    await db().event.findFirst({
      where: { protocol: 'smtp', action: 'auth', result: 'failed', user: 'kim@foobar.com' },
    }),
  );
});

test('submissions (implicit TLS) with AUTH PLAIN delivers locally (curl)', async () => {
  const mail = 'From: kim@foobar.com\r\nTo: lee@foobar.com\r\nSubject: via curl\r\n\r\nhello\r\n';
  const result = await run(
    'curl',
    [
      '-sS',
      '-k',
      `smtps://127.0.0.1:${fixture.smtp.ports.smtps}`,
      '--mail-from',
      'kim@foobar.com',
      '--mail-rcpt',
      'lee@foobar.com',
      '--user',
      `kim@foobar.com:${PASSWORD}`,
      '-T',
      '-',
    ],
    mail,
  );
  assert.equal(result.code, 0, result.stderr);
  const messages = await mailboxMessages('lee@foobar.com');
  assert.match(messages.at(-1)!, /Subject: via curl/);
});

test('the webmail submits with a token over XOAUTH2 (nodemailer)', async () => {
  const kim = await db().user.findFirstOrThrow({ where: { local: 'kim' } });
  const accessToken = await mintAccessToken(kim.id);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtps,
    secure: true,
    tls: tlsOptions,
    auth: { type: 'OAuth2', user: 'kim@foobar.com', accessToken },
  });
  const info = await transport.sendMail({
    from: 'kim@foobar.com',
    to: 'kim@foobar.com',
    subject: 'token',
    text: 'x',
  });
  assert.match(info.response, /^250 2\.0\.0/);
  assert.match((await mailboxMessages('kim@foobar.com')).at(-1)!, /Subject: token/);
  const bad = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtps,
    secure: true,
    tls: tlsOptions,
    auth: { type: 'OAuth2', user: 'kim@foobar.com', accessToken: `${accessToken}x` },
  });
  await assert.rejects(bad.sendMail({ from: 'kim@foobar.com', to: 'lee@foobar.com', text: 'x' }));
});

test('OAUTHBEARER (RFC 7628) with the webmail token, and a bad token refused (curl)', async () => {
  const kim = await db().user.findFirstOrThrow({ where: { local: 'kim' } });
  const token = await mintAccessToken(kim.id);
  const mail = 'From: kim@foobar.com\r\nTo: kim@foobar.com\r\nSubject: bearer\r\n\r\nhello\r\n';
  const url = `smtps://127.0.0.1:${fixture.smtp.ports.smtps}`;
  const common = [
    '-sS',
    '-k',
    url,
    '--mail-from',
    'kim@foobar.com',
    '--mail-rcpt',
    'kim@foobar.com',
    '--login-options',
    'AUTH=OAUTHBEARER',
    '-u',
    'kim@foobar.com:',
    '-T',
    '-',
  ];
  const ok = await run('curl', [...common, '--oauth2-bearer', token], mail);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match((await mailboxMessages('kim@foobar.com')).at(-1)!, /Subject: bearer/);
  const bad = await run('curl', [...common, '--oauth2-bearer', `${token}x`], mail);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Login denied|535|authentication/i);
});

test('AUTH before STARTTLS is answered 538 and not advertised (smtplib)', async () => {
  const script = `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
code, text = s.ehlo('laptop.example')
print('AUTH' in text.decode())
print(*s.docmd('AUTH PLAIN ' + 'AGtpbUBmb29iYXIuY29tAHg='))
s.quit()
`;
  const result = await run('python3', ['-c', script, String(fixture.smtp.ports.submission)]);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[0], 'False');
  assert.match(lines[1]!, /^538 b?'?5\.7\.0 /);
});

test('TLS 1.1 is refused, TLS 1.2 accepted (openssl s_client)', async () => {
  const port = String(fixture.smtp.ports.smtps);
  const old = await run(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_1', '-brief'],
    'QUIT\r\n',
  );
  assert.notEqual(old.code, 0);
  const modern = await run(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-brief', '-ign_eof'],
    'QUIT\r\n',
  );
  assert.match(modern.stdout + modern.stderr, /Protocol version: TLSv1\.2/);
  // s_client talks before the greeting, which the server refuses (421 "talk too soon"): it answered over TLS 1.2.
  assert.match(modern.stdout, /^(220|421) .*mx\.foobar\.com/m);
});

test('repeated wrong passwords are throttled by the auth core: 454 4.7.0 even with the right one', async () => {
  const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL('127.0.0.1', int(sys.argv[1]), context=ctx)
s.ehlo('laptop.example')
codes = []
for i in range(11):
    try:
        s.login('lee@foobar.com', 'wrong-%d' % i)
    except smtplib.SMTPAuthenticationError as e:
        codes.append(e.smtp_code)
try:
    s.login('lee@foobar.com', sys.argv[2]); codes.append(235)
except smtplib.SMTPAuthenticationError as e:
    codes.append(e.smtp_code); print(e.smtp_error.decode())
print(*codes)
`;
  // The growing delay for a failing address has its own test (auth-penalty.test.ts); here it
  // would only make these twelve logins take minutes.
  process.env.POSTROOM_AUTH_PENALTY_MS = '0';
  const result = await run('python3', ['-c', script, String(fixture.smtp.ports.smtps), PASSWORD]).finally(
    () => delete process.env.POSTROOM_AUTH_PENALTY_MS,
  );
  const lines = result.stdout.trim().split('\n');
  assert.match(lines[0]!, /^4\.7\.0 Too many failed logins/, result.stderr);
  const codes = lines[1]!.split(' ').map(Number);
  // smtplib tries PLAIN then LOGIN on each login(): two failures each, so the 10-failure limit is hit after 5.
  assert.deepEqual(codes, [...Array(5).fill(535), ...Array(7).fill(454)]);
});
