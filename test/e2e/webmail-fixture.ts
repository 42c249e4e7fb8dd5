// Shared set-up for the webmail browser tests: the built app and the mail worker, a domain with
// a postmaster (so setup is done) and two mailboxes, and helpers to send over SMTP submission
// and to look into a mailbox over IMAP as an ordinary client would.
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { Page } from 'playwright-core';
import { startApp, type RunningApp } from './helpers/app';
import { addDomain, addMailbox } from '../../server/domain';

export const PASSWORD = 'Correct-Horse-Battery-9';
export const ALICE = 'alice@mail.test';
export const BOB = 'bob@mail.test';

export async function startWebmailApp(): Promise<RunningApp> {
  const app = await startApp({ worker: true });
  try {
    await addDomain('mail.test');
    await addMailbox({ address: 'postmaster@mail.test', password: PASSWORD, role: 'super' });
    await addMailbox({ address: ALICE, password: PASSWORD, displayName: 'Alice Liddell' });
    await addMailbox({ address: BOB, password: PASSWORD, displayName: 'Bob Builder' });
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

/** Sends as `from` through the submission port with the password, like any mail client. */
export async function submit(app: RunningApp, from: string, message: Mail.Options): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: app.workerPorts.submission,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: from, pass: PASSWORD },
  });
  try {
    const info = await transport.sendMail({ from, ...message });
    return info.messageId;
  } finally {
    transport.close();
  }
}

export async function imapAs(app: RunningApp, address: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: app.workerPorts.imap,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: address, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  return client;
}

/** Waits until a message whose subject contains `subject` is in `folder` (over IMAP). */
export async function waitForImapMessage(
  app: RunningApp,
  address: string,
  folder: string,
  subject: string,
  timeoutMs = 10_000,
): Promise<{ uid: number; source: string }> {
  const client = await imapAs(app, address);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const lock = await client.getMailboxLock(folder);
      try {
        const uids = (await client.search({ subject }, { uid: true })) || [];
        if (uids.length) {
          const uid = uids[uids.length - 1];
          const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
          return { uid, source: message && message.source ? message.source.toString() : '' };
        }
      } finally {
        lock.release();
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no message "${subject}" in ${address} ${folder}`);
  } finally {
    await client.logout();
  }
}

export async function signInToMail(page: Page, baseUrl: string, address: string): Promise<void> {
  await page.goto(`${baseUrl}/signin?callbackUrl=/mail`);
  await page.getByLabel('Email address').fill(address);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/mail');
  await page
    .getByTestId('signed-in-as')
    .or(page.getByRole('navigation', { name: 'Folders' }))
    .first()
    .waitFor();
}
