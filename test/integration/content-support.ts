// Where message content ends up (files or blob_chunks rows) and whether it reads back: an IMAP
// test environment with SMTP and POP3 servers in the same process, mail sent with nodemailer and
// read back with Python's poplib (blob-store-database and inline-content tests).
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startImapTestEnv, PASSWORD, type ImapTestEnv } from './imap-support';
import { run } from '../helpers/pop3';
import { db } from '../../server/core/db';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';
import { startPop3Servers, type Pop3Servers } from '../../server/pop3';
import { findDeliveryFolder } from '../../server/store';
import { forgetActiveBlobStore } from '../../server/store/blob-store';
import { rawDb } from '../../server/store/raw';

export interface ContentHarness {
  env: ImapTestEnv;
  smtp: RunningSmtpServers;
  pop3: Pop3Servers;
  inbox: number;
  close(): Promise<void>;
}

export async function startContentHarness(): Promise<ContentHarness> {
  forgetActiveBlobStore();
  const env = await startImapTestEnv();
  const inbox = await findDeliveryFolder(env.userId);
  setDnsResolver(staticResolver({}));
  const smtp = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false },
  });
  const pop3 = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  return {
    env,
    smtp,
    pop3,
    inbox,
    close: async () => {
      await pop3.close();
      await smtp.close();
      setDnsResolver(null);
      await env.close();
      forgetActiveBlobStore();
    },
  };
}

/** A message of about `bytes` bytes whose lines differ (so no two chunks are alike). */
export function messageOfSize(to: string, subject: string, bytes: number): Buffer {
  const lines = ['From: friend@elsewhere.example', `To: ${to}`, `Subject: ${subject}`, ''];
  for (let n = 0, length = 0; length < bytes; n++) {
    const line = `line ${n} ${'x'.repeat(60 + (n % 13))}`;
    lines.push(line);
    length += line.length + 2;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/** Sends `raw` to the harness's mailbox over the MX port and expects a 250. */
export async function sendTo(harness: ContentHarness, raw: Buffer): Promise<void> {
  const mx = nodemailer.createTransport({
    host: '127.0.0.1',
    port: harness.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const info = await mx.sendMail({
    envelope: { from: 'friend@elsewhere.example', to: [harness.env.address] },
    raw,
  });
  assert.match(info.response, /^250 /);
}

/** The newest INBOX row with this subject. */
export function storedRow(harness: ContentHarness, subject: string) {
  return db().message.findFirstOrThrow({
    where: { folderId: harness.inbox, subject },
    orderBy: { uid: 'desc' },
  });
}

/** How many chunk rows hold `hash`, and their bytes (0 and null when none do). */
export async function chunksOf(hash: string): Promise<{ count: number; bytes: number | null }> {
  const [row] = await rawDb().read<{ n: number | bigint; bytes: number | bigint | string | null }>(
    'SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM blob_chunks WHERE sha256 = ?',
    [hash],
  );
  const count = Number(row?.n ?? 0);
  return { count, bytes: count > 0 ? Number(row!.bytes) : null };
}

/** Message `index` as Python's poplib retrieves it (RETR over POP3S), as a SHA-256. */
export async function popHash(harness: ContentHarness, index: number): Promise<string> {
  const script = `
import hashlib, poplib, ssl, sys
p = poplib.POP3_SSL('127.0.0.1', ${harness.pop3.ports.pop3s}, context=ssl._create_unverified_context())
p.user(sys.argv[1]); p.pass_(sys.argv[2])
resp, lines, octets = p.retr(${index})
print(hashlib.sha256(b'\\r\\n'.join(lines) + b'\\r\\n').hexdigest())
p.quit()`;
  return (await run('python3', ['-c', script, harness.env.address, PASSWORD])).trim();
}
