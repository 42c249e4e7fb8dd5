// The console's "Move mail in": a super admin names the source IMAP server (the reference Dovecot,
// bench/reference/up.sh) and pastes a CSV of accounts; the good row is copied in the web process
// while the page polls its progress, a wrong password shows as failed, and unusable rows are
// refused with their reason. The copy is then read back over our IMAP, and the webmail's
// "Download this folder as mbox" link gives a file holding the folder's messages.
process.env.POSTROOM_AUTH_PENALTY_MS = '0';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ImapFlow } from 'imapflow';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { addDomain, addMailbox } from '../../server/domain';
import { REFERENCE_PORTS } from '../../bench/reference/paths';

const SOURCE_USER = 'bench63@example.test'; // reserved for this test among the reference's users
const TARGET = { address: 'imp@import.test', password: 'Import-target-pw-1' };
const INBOX_NOTES = 25;
const OLD_NOTES = 2;

let app: RunningApp;
let browser: Browser;

function imap(port: number, user: string, pass: string, secure: boolean): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure,
    doSTARTTLS: secure ? undefined : true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
    logger: false,
  });
}

async function countIn(client: ImapFlow, folder: string): Promise<number | undefined> {
  const status = await client.status(folder, { messages: true });
  return status ? status.messages : undefined;
}

const note = (n: number) =>
  Buffer.from(
    `From: Sender ${n} <s${n}@example.net>\r\nTo: ${SOURCE_USER}\r\nSubject: Note ${n}\r\nMessage-ID: <console-import${n}@example.net>\r\n\r\nNote number ${n}.\r\n`,
  );

/** Empties the source account's folders, then INBOX_NOTES notes in INBOX and OLD_NOTES in Old. */
async function resetSource(): Promise<number> {
  const client = imap(REFERENCE_PORTS.imaps, SOURCE_USER, 'pass', true);
  await client.connect();
  for (const folder of await client.list()) {
    if (folder.path !== 'INBOX' && !folder.specialUse) {
      await client.mailboxDelete(folder.path).catch(() => {});
      continue;
    }
    const lock = await client.getMailboxLock(folder.path);
    try {
      if ((client.mailbox as { exists: number }).exists) await client.messageDelete('1:*');
    } finally {
      lock.release();
    }
  }
  await client.mailboxCreate('Old');
  for (let n = 1; n <= INBOX_NOTES; n++)
    await client.append('INBOX', note(n), n % 2 ? ['\\Seen'] : [], new Date(Date.UTC(2025, 1, n)));
  for (let n = 101; n <= 100 + OLD_NOTES; n++) await client.append('Old', note(n), ['\\Seen']);
  let total = 0;
  for (const folder of await client.list()) total += (await countIn(client, folder.path)) ?? 0;
  await client.logout();
  return total;
}

let sourceTotal = 0;

before(async () => {
  app = await startApp({ worker: true });
  await seedSuperAdmin();
  await addDomain('import.test');
  await addMailbox(TARGET);
  sourceTotal = await resetSource();
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const CSV = [
  'login,password,target',
  `${SOURCE_USER},pass,${TARGET.address}`,
  `${SOURCE_USER},not-the-password,${TARGET.address}`,
  `${SOURCE_USER},,${TARGET.address}`,
  `${SOURCE_USER},pass,nobody@import.test`,
  'just-one-field',
].join('\n');

test('a batch copies the good row with progress; bad rows fail or are refused with the reason', async () => {
  assert.equal(sourceTotal, INBOX_NOTES + OLD_NOTES);
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/mailboxes`);
  await page.getByRole('link', { name: 'Move mail in' }).click();
  await page.getByRole('heading', { name: 'Move mail from another server' }).waitFor();
  const form = page.getByTestId('imap-import-form');
  // An unusable server is a field error before anything starts.
  await form.getByLabel('Source server').fill('not a host!');
  await form.getByLabel('Or paste the rows').fill(CSV);
  await form.getByRole('button', { name: 'Start copying' }).click();
  await page
    .locator('[data-field-error="host"]')
    .filter({ hasText: /source server name/ })
    .waitFor();

  await form.getByLabel('Source server').fill('127.0.0.1');
  await form.getByLabel('Port').fill(String(REFERENCE_PORTS.imaps));
  await form.getByLabel('Encryption').selectOption('implicit');
  await form.getByLabel('Accept a certificate that does not verify').check();
  await form.getByLabel('Or paste the rows').fill(CSV);
  await form.getByRole('button', { name: 'Start copying' }).click();

  const table = page.getByRole('table', { name: 'Import progress' });
  const row = (line: number) => table.locator(`tr[data-line="${line}"]`);
  await row(2).waitFor();
  assert.match(await row(4).innerText(), /Refused: password: is empty/);
  assert.match(await row(5).innerText(), /Refused: target: there is no mailbox nobody@import\.test here/);
  assert.match(await row(6).innerText(), /Refused: line: has 1 field\(s\)/);
  // The page polls: the good row ends done with every message, the wrong password failed.
  await table.locator('tr[data-line="2"][data-state="done"]').waitFor({ timeout: 60_000 });
  await table.locator('tr[data-line="3"][data-state="failed"]').waitFor({ timeout: 60_000 });
  assert.match(await row(2).innerText(), new RegExp(`(\\d+) / \\1\\s+${sourceTotal} / ${sourceTotal}`));
  assert.match(await row(3).innerText(), /Failed: the source server refused the login/);
  await page
    .getByRole('status')
    .filter({ hasText: '1 done, 0 running, 0 waiting, 1 failed, 3 refused.' })
    .waitFor();
  await browser.screenshot('console-imap-import');

  // Read back over our own IMAP server.
  const ours = imap(app.workerPorts.imap!, TARGET.address, TARGET.password, false);
  await ours.connect();
  assert.equal(await countIn(ours, 'INBOX'), INBOX_NOTES);
  assert.equal(await countIn(ours, 'Old'), OLD_NOTES);
  const lock = await ours.getMailboxLock('INBOX');
  try {
    const subjects: string[] = [];
    const seen: boolean[] = [];
    for await (const m of ours.fetch('1:*', { envelope: true, flags: true })) {
      subjects.push(m.envelope?.subject ?? '');
      seen.push(m.flags?.has('\\Seen') ?? false);
    }
    assert.deepEqual(
      subjects,
      Array.from({ length: INBOX_NOTES }, (_, i) => `Note ${i + 1}`),
    );
    assert.deepEqual(
      seen,
      Array.from({ length: INBOX_NOTES }, (_, i) => (i + 1) % 2 === 1),
    );
  } finally {
    lock.release();
  }
  await ours.logout();
});

test('the webmail\'s "Download this folder as mbox" link saves the folder\'s messages', async () => {
  const context = await browser.page.context().browser()!.newContext({ acceptDownloads: true });
  try {
    const page = await context.newPage();
    await signIn(page, app.baseUrl, TARGET.address, TARGET.password);
    await page.goto(`${app.baseUrl}/mail`);
    const link = page.getByRole('link', { name: 'Download this folder as mbox' });
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'INBOX.mbox');
    const text = await readFile((await download.path())!, 'utf8');
    const subjects = [...text.matchAll(/^Subject: (.*)$/gm)].map((m) => m[1]);
    assert.equal(text.match(/^From /gm)?.length, INBOX_NOTES);
    assert.deepEqual(
      subjects,
      Array.from({ length: INBOX_NOTES }, (_, i) => `Note ${i + 1}`),
    );
    assert.match(text, /Note number 25\./);
  } finally {
    await context.close();
  }
});
