// Shared set-up for the SMTP integration tests: a fresh database with the seeds' domain, mailboxes,
// aliases and access rules, DNS answered from a fixed table, and the three listeners on ephemeral ports.
import { spawn } from 'node:child_process';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox, addAlias, addAccessRule } from '../../server/domain';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { startSmtpServers, type RunningSmtpServers, type SmtpSettings } from '../../server/smtp';
import { db } from '../../server/core/db';
import { readBlob } from '../../server/store';

export const PASSWORD = 'Correct-Horse-Battery-9';

export interface SmtpFixture {
  database: TestDatabase;
  smtp: RunningSmtpServers;
  close(): Promise<void>;
}

export async function startFixture(
  settings: Partial<SmtpSettings> = {},
  zone: Record<string, Record<string, unknown[]>> = {},
): Promise<SmtpFixture> {
  process.env.POSTROOM_HOSTNAME = 'mx.foobar.com';
  const database = await createTestDatabase();
  setDnsResolver(staticResolver(zone));
  await addDomain('foobar.com');
  await addDomain('foobar.net', { aliasOf: 'foobar.com' });
  await addMailbox({ address: 'kim@foobar.com', password: PASSWORD });
  await addMailbox({ address: 'lee@foobar.com', password: PASSWORD, quota: '1K' });
  await addAlias('sales@foobar.com', ['kim@foobar.com', 'partner@other.example']);
  await addAccessRule({ pattern: '@spam.com', action: 'DISCARD' });
  await addAccessRule({
    pattern: '@junk.example',
    action: 'REJECT',
    scope: 'sender',
    message: 'We do not accept mail from junk.example',
  });
  const smtp = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false, ...settings },
  });
  return {
    database,
    smtp,
    async close() {
      await smtp.close();
      setDnsResolver(null);
      await database.cleanup();
    },
  };
}

/** The raw messages in a mailbox's folder, oldest first. */
export async function mailboxMessages(address: string, folder = 'INBOX'): Promise<string[]> {
  const [local, domain] = address.split('@') as [string, string];
  const user = await db().user.findUniqueOrThrow({ where: { local_domain: { local, domain } } });
  const rows = await db().message.findMany({
    where: { folder: { userId: user.id, name: folder } },
    orderBy: { uid: 'asc' },
  });
  return Promise.all(rows.map(async (row) => (await readBlob(row.blobSha256)).toString('utf8')));
}

/** Runs a program to completion and gives back its output and exit code. */
export function run(
  command: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
