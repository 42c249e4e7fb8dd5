// IDLE hears mail delivered by SMTP (nodemailer to the MX listener) within a second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startImapTestEnv, imapflowClient, type ImapTestEnv } from './imap-support';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';

let env: ImapTestEnv;
let smtp: RunningSmtpServers;
before(async () => {
  env = await startImapTestEnv();
  setDnsResolver(staticResolver({}));
  smtp = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false },
  });
});
after(async () => {
  await smtp.close();
  setDnsResolver(null);
  await env.close();
});

test('a message delivered over SMTP is announced to an IDLE session within a second', async () => {
  for (const implicit of [false, true]) {
    const client = imapflowClient(env, implicit);
    await client.connect();
    await client.mailboxOpen('INBOX');
    const before = (client.mailbox as { exists: number }).exists;
    let heardAt = 0;
    const heard = new Promise<number>((resolve) =>
      client.on('exists', (data: { count: number }) => {
        heardAt = Date.now();
        resolve(data.count);
      }),
    );
    const idling = client.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const mx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtp.ports.smtp,
      secure: false,
      ignoreTLS: true,
    });
    const info = await mx.sendMail({
      from: 'friend@elsewhere.example',
      to: env.address,
      subject: `Over SMTP ${implicit}`,
      text: 'Delivered while idling.',
    });
    const acceptedAt = Date.now();
    assert.match(info.response, /^250 /);
    assert.equal(await heard, before + 1);
    assert.ok(heardAt - acceptedAt < 1000, `EXISTS ${heardAt - acceptedAt} ms after 250`);
    await client.noop();
    await idling;
    const message = await client.fetchOne('*', { envelope: true });
    assert.equal(message && message.envelope?.subject, `Over SMTP ${implicit}`);
    await client.logout();
  }
});
