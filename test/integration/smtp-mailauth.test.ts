// Inbound SPF, DKIM, DMARC and ARC with mailauth, DNS answered from a fixed zone: the result lands in
// Authentication-Results, and a DMARC p=reject failure is refused (or filed to Junk when configured).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, type SmtpFixture } from './smtp-fixture';
import { addDomain } from '../../server/domain';
import { createDkimKey, signOutgoing } from '../../server/queue/dkim';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';

let fixture: SmtpFixture;
let lenient: RunningSmtpServers;
let signedRaw: Buffer;
before(async () => {
  fixture = await startFixture({ checkAuthentication: true });
  lenient = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: true, honourDmarcReject: false },
  });
  // A signing domain of our own gives a real key and the record to publish for it.
  await addDomain('sender.example');
  const record = await createDkimKey('sender.example', 'sel2026');
  assert.match(record.value, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
  setDnsResolver(
    staticResolver({
      'sender.example': { TXT: [['v=spf1 ip4:127.0.0.1 -all']] },
      'sel2026._domainkey.sender.example': { TXT: [[record.value]] },
      '_dmarc.sender.example': { TXT: [['v=DMARC1; p=reject']] },
      'strict.example': { TXT: [['v=spf1 ip4:192.0.2.1 -all']] },
      '_dmarc.strict.example': { TXT: [['v=DMARC1; p=reject']] },
    }),
  );
  const unsigned = Buffer.from(
    'From: Ann <ann@sender.example>\r\nTo: kim@foobar.com\r\nSubject: signed\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <s1@sender.example>\r\n\r\nSigned body\r\n',
  );
  signedRaw = await signOutgoing(unsigned, 'sender.example');
});
after(async () => {
  await lenient.close();
  await fixture.close();
});

const send = (port: number, from: string, raw: Buffer | string) =>
  nodemailer
    .createTransport({ host: '127.0.0.1', port, ignoreTLS: true })
    .sendMail({ envelope: { from, to: ['kim@foobar.com'] }, raw });

test('a signed message from an SPF-authorised host: spf, dkim and dmarc pass in Authentication-Results', async () => {
  await send(fixture.smtp.ports.smtp, 'ann@sender.example', signedRaw);
  const stored = (await mailboxMessages('kim@foobar.com')).at(-1)!;
  const results = /Authentication-Results: mx\.foobar\.com;[\s\S]*?(?=\r\n\S)/.exec(stored)?.[0] ?? '';
  assert.match(results, /spf=pass/);
  assert.match(results, /dkim=pass header\.i=@sender\.example header\.s=sel2026/);
  assert.match(results, /dmarc=pass/);
  assert.match(results, /arc=none/);
});

test('a tampered signed message fails DKIM', async () => {
  const tampered = Buffer.from(signedRaw.toString().replace('Signed body', 'Changed body'));
  // SPF still passes and aligns, so DMARC passes: the mail is taken with dkim=fail on record.
  await send(fixture.smtp.ports.smtp, 'ann@sender.example', tampered);
  const stored = (await mailboxMessages('kim@foobar.com')).at(-1)!;
  assert.match(stored, /dkim=(fail|neutral) \(body hash did not verify\)/);
  assert.match(stored, /Changed body/);
});

test('DMARC p=reject failure is refused with 550 5.7.1, or filed to Junk when reject is not honoured', async () => {
  const forged =
    'From: boss@strict.example\r\nTo: kim@foobar.com\r\nSubject: forged\r\n\r\nPay this invoice\r\n';
  await assert.rejects(
    send(fixture.smtp.ports.smtp, 'boss@strict.example', forged),
    (error: { response?: string }) => /^550 5\.7\.1 .*DMARC/.test(error.response ?? ''),
  );
  assert.ok(!(await mailboxMessages('kim@foobar.com')).some((m) => m.includes('Pay this invoice')));
  await send(lenient.ports.smtp, 'boss@strict.example', forged);
  const junk = await mailboxMessages('kim@foobar.com', 'Junk');
  assert.match(junk.at(-1)!, /dmarc=fail/);
});
