// The way a user meets POP3: mail arrives over SMTP (nodemailer to our MX listener), is fetched
// with Python's poplib, shows the same UID in IMAP (imapflow) as POP3's UIDL, and a POP3 DELE
// at QUIT is an expunge that IMAP sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { ALICE, createPop3World, run, type Pop3World } from '../helpers/pop3';

const driver = join(import.meta.dirname, '..', 'fixtures', 'pop3', 'poplib_driver.py');
let world: Pop3World;
let smtp: RunningSmtpServers;
let imap: RunningImapServers;

before(async () => {
  world = await createPop3World();
  smtp = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false },
  });
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
});
after(async () => {
  await Promise.all([smtp.close(), imap.close()]);
  await world.close();
});

async function poplib(steps: (string | number)[][]): Promise<{ ok?: unknown; error?: string }[]> {
  const out = await run('python3', [
    driver,
    'ssl',
    '127.0.0.1',
    String(world.servers.ports.pop3s),
    world.cafile,
    JSON.stringify(steps),
  ]);
  return (JSON.parse(out) as { ok?: unknown; error?: string }[]).slice(1);
}

test('SMTP delivery, POP3 retrieval, UIDL equal to the IMAP UID, DELE seen by IMAP', async () => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const sent = await transport.sendMail({
    from: 'Sender <sender@remote.example>',
    to: ALICE.address,
    subject: 'Über POP3',
    text: 'Hello over POP3\n.a line with a leading dot\n',
    attachments: [{ filename: 'notes.txt', content: 'attached text' }],
  });
  assert.ok(sent.accepted.includes(ALICE.address));

  const [auth, stat, uidl, retr] = await poplib([
    ['auth_plain', ALICE.address, ALICE.password],
    ['stat'],
    ['uidl'],
    ['retr', 4],
    ['quit'],
  ]);
  assert.match(String(auth.ok), /^\+OK/);
  assert.equal((stat.ok as number[])[0], 4);
  const message = Buffer.from((retr.ok as { content: string }).content, 'base64').toString();
  assert.match(message, /Subject: =\?UTF-8\?Q\?=C3=9Cber_POP3\?=/);
  assert.ok(message.includes('\r\n.a line with a leading dot\r\n'));
  assert.ok(message.includes('filename=notes.txt'));
  const lastUidl = (uidl.ok as [string, string[]])[1][3].split(' ')[1];

  const client = new ImapFlow({
    host: '127.0.0.1',
    port: imap.ports.imaps,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: ALICE.address, pass: ALICE.password },
    logger: false,
  });
  await client.connect();
  try {
    const mailbox = await client.mailboxOpen('INBOX');
    const last = await client.fetchOne('*', { uid: true, envelope: true, bodyStructure: true });
    assert.ok(last);
    assert.equal(lastUidl, `${mailbox.uidValidity}.${last.uid}`);
    assert.equal(last.envelope?.subject, 'Über POP3');
    assert.equal(last.bodyStructure?.childNodes?.[1]?.dispositionParameters?.filename, 'notes.txt');

    const [dele, quit] = await poplib([['auth_plain', ALICE.address, ALICE.password], ['dele', 4], ['quit']]);
    assert.match(String(dele.ok), /^\+OK/);
    assert.match(String(quit.ok), /^\+OK/);
    const status = await client.status('INBOX', { messages: true });
    assert.ok(status && status.messages === 3, JSON.stringify(status));
  } finally {
    await client.logout();
  }
});
