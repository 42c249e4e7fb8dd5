// Shared set-up for the webmail integration tests: a fresh database with two mailboxes, our own
// IMAP and SMTP servers on ephemeral ports, and the webmail client layer pointed at them.
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { appendMessage } from '../../server/store';
import { db } from '../../server/core/db';
import { startImapServers } from '../../server/imap';
import { startSmtpServers } from '../../server/smtp';
import {
  setWebmailEndpoints,
  closeWebmailConnections,
  closeMailWatchers,
  type WebmailUser,
} from '../../server/webmail';

export const PASSWORD = 'Correct-Horse-Battery-9';
export const HOSTNAME = 'mail.webmail.test';

export interface WebmailFixture {
  database: TestDatabase;
  alice: WebmailUser & { displayName: string };
  bob: WebmailUser & { displayName: string };
  ports: Record<string, number>;
  close(): Promise<void>;
}

export async function startWebmailFixture(): Promise<WebmailFixture> {
  process.env.POSTROOM_HOSTNAME = HOSTNAME;
  const database = await createTestDatabase();
  await addDomain('webmail.test');
  const aliceBox = await addMailbox({
    address: 'alice@webmail.test',
    password: PASSWORD,
    displayName: 'Alice Example',
  });
  const bobBox = await addMailbox({ address: 'bob@webmail.test', password: PASSWORD, displayName: 'Bob' });
  const imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  const smtp = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false },
  });
  setWebmailEndpoints({
    host: '127.0.0.1',
    imapPort: imap.ports.imap,
    submissionPort: smtp.ports.submission,
  });
  return {
    database,
    alice: { id: aliceBox.id, address: aliceBox.address, displayName: 'Alice Example' },
    bob: { id: bobBox.id, address: bobBox.address, displayName: 'Bob' },
    ports: { ...imap.ports, ...smtp.ports },
    async close() {
      await closeMailWatchers();
      await closeWebmailConnections();
      await Promise.all([imap.close(), smtp.close()]);
      await database.cleanup();
    },
  };
}

/** Puts a raw message straight into a user's folder through the store (as delivery would), received now or at `received`. */
export async function deliver(
  userId: number,
  raw: string,
  folder = 'INBOX',
  flags: { seen?: boolean } = {},
  received?: Date,
): Promise<number> {
  const row = await db().folder.findUniqueOrThrow({ where: { userId_name: { userId, name: folder } } });
  const [result] = await appendMessage(
    Buffer.from(raw.replace(/\r?\n/g, '\r\n')),
    [{ folderId: row.id, flags }],
    received ? { internalDate: received } : undefined,
  );
  return result.uid;
}

export function simpleMessage(options: {
  from?: string;
  to?: string;
  subject: string;
  body?: string;
  date?: string;
  headers?: string;
}): string {
  return [
    `From: ${options.from ?? 'Carol <carol@elsewhere.test>'}`,
    `To: ${options.to ?? 'alice@webmail.test'}`,
    `Subject: ${options.subject}`,
    `Date: ${options.date ?? 'Mon, 23 Nov 2026 09:00:00 +0000'}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@elsewhere.test>`,
    ...(options.headers ? [options.headers] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    options.body ?? 'Hello there.',
    '',
  ].join('\r\n');
}
