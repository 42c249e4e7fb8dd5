// The webmail as home and drafts that are never lost, in chromium against the real worker: a
// plain user lands in the webmail and an admin moves between console and webmail; a draft with
// a half-typed address survives Close, reopens exactly as typed and leaves Drafts when sent; a
// long stretch of typing is saved while it goes on; leaving compose any other way saves it; a
// reopened draft keeps its attachment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { startWebmailApp, imapAs, waitForImapMessage, ALICE, BOB, PASSWORD } from './webmail-fixture';

process.env.POSTROOM_AUTH_PENALTY_MS = '0';
// One mail worker process: starting one per core took longer than the harness's 30 s on a busy
// machine; the subject here is the webmail, not the cluster.
process.env.POSTROOM_WORKERS = '1';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startWebmailApp();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const row = (subject: string) => browser.page.locator('li[data-uid]').filter({ hasText: subject });
const folders = () => browser.page.getByRole('navigation', { name: 'Folders' });

async function draftCount(subject: string): Promise<number> {
  const client = await imapAs(app, ALICE);
  try {
    const lock = await client.getMailboxLock('Drafts');
    try {
      return ((await client.search({ subject }, { uid: true })) || []).length;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

test('an admin lands in the console and switches to the webmail and back', async () => {
  const { page } = browser;
  await signIn(page, app.baseUrl, 'postmaster@mail.test', PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/admin');
  await page.getByRole('link', { name: 'Webmail' }).click();
  await page.waitForURL((url) => url.pathname === '/mail');
  const account = page.getByRole('navigation', { name: 'Account' });
  await account.getByRole('link', { name: 'Console' }).waitFor();
  await browser.screenshot('webmail-admin-header');
  await account.getByRole('link', { name: 'Console' }).click();
  await page.waitForURL((url) => url.pathname === '/admin');
  await browser.context.clearCookies();
});

test('a plain user signing in lands in the webmail, with no console link', async () => {
  const { page } = browser;
  await signIn(page, app.baseUrl, ALICE, PASSWORD);
  assert.equal(new URL(page.url()).pathname, '/mail');
  const account = page.getByRole('navigation', { name: 'Account' });
  await account.getByRole('link', { name: 'My account' }).waitFor();
  assert.equal(await account.getByRole('link', { name: 'Console' }).count(), 0);
});

test('Close with a half-typed address keeps the draft; it reopens as typed and leaves Drafts when sent', async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Compose' }).click();
  const compose = page.getByRole('form', { name: 'Compose message' });
  await compose.getByLabel('To', { exact: true }).fill('not-an-address, bo');
  await compose.getByLabel('Subject').fill('Shed roof estimate');
  await compose.getByLabel('Message', { exact: true }).fill('Three sheets of tin, two days.');
  // At once, before the autosave timer: Close itself must save it.
  await compose.getByRole('button', { name: 'Close' }).click();
  await compose.waitFor({ state: 'detached' });
  const saved = await waitForImapMessage(app, ALICE, 'Drafts', 'Shed roof estimate');
  assert.match(saved.source, /Three sheets of tin/);
  assert.match(saved.source, /X-Postroom-Draft-To: not-an-address, bo/);

  await folders()
    .getByRole('button', { name: /Drafts/ })
    .click();
  await row('Shed roof estimate').click();
  const again = page.getByRole('form', { name: 'Compose message' });
  assert.equal(await again.getByLabel('To', { exact: true }).inputValue(), 'not-an-address, bo');
  assert.equal(
    await again.getByLabel('Message', { exact: true }).inputValue(),
    'Three sheets of tin, two days.',
  );
  // Sending checks the addresses; the draft stays until it is sent.
  await again.getByRole('button', { name: 'Send' }).click();
  await again.locator('[data-field-error="to"]').filter({ hasText: 'not a valid email address' }).waitFor();
  await again.getByLabel('To', { exact: true }).fill(BOB);
  await again.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('status').filter({ hasText: 'Message sent' }).waitFor();
  const atBob = await waitForImapMessage(app, BOB, 'INBOX', 'Shed roof estimate');
  assert.doesNotMatch(atBob.source, /X-Postroom-Draft/i, 'the draft-only headers never leave');
  await row('Shed roof estimate').waitFor({ state: 'detached' });
  assert.equal(await draftCount('Shed roof estimate'), 0);
});

test('a long stretch of typing is saved while it goes on, not only after it stops', async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Compose' }).click();
  const compose = page.getByRole('form', { name: 'Compose message' });
  await compose.getByLabel('Subject').fill('Long letter');
  let typingDone = false;
  const typing = compose
    .getByLabel('Message', { exact: true })
    .pressSequentially('Dear Bob, this letter goes on and on and on without a pause.', { delay: 150 })
    .then(() => {
      typingDone = true;
    });
  await page.getByTestId('draft-status').filter({ hasText: 'Draft saved' }).waitFor({ timeout: 8_000 });
  assert.equal(typingDone, false, 'saved while typing was still going on');
  await typing;
  await waitForImapMessage(app, ALICE, 'Drafts', 'Long letter');
  await compose.getByRole('button', { name: 'Close' }).click();
  await compose.waitFor({ state: 'detached' });
  const final = await waitForImapMessage(app, ALICE, 'Drafts', 'Long letter');
  assert.match(final.source, /without a pause\./);
  assert.equal(await draftCount('Long letter'), 1, 'each save replaced the previous one');
});

test('leaving compose for another folder saves the draft; a reopened draft keeps its attachment', async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Compose' }).click();
  const compose = page.getByRole('form', { name: 'Compose message' });
  await compose.getByLabel('To', { exact: true }).fill(BOB);
  await compose.getByLabel('Subject').fill('Measurements attached');
  await compose
    .getByLabel('Attach files')
    .setInputFiles({ name: 'sizes.txt', mimeType: 'text/plain', buffer: Buffer.from('2.4 m x 1.8 m\n') });
  await compose.getByText('sizes.txt').waitFor();
  // No Close: another folder is opened (on a phone the drawer; here the folder list).
  await folders().getByRole('button', { name: /Inbox/ }).click();
  await compose.waitFor({ state: 'detached' });
  const saved = await waitForImapMessage(app, ALICE, 'Drafts', 'Measurements attached');
  assert.match(saved.source, /sizes\.txt/);

  await folders()
    .getByRole('button', { name: /Drafts/ })
    .click();
  await row('Measurements attached').click();
  const again = page.getByRole('form', { name: 'Compose message' });
  await again.getByRole('list', { name: 'Attached files' }).getByText('sizes.txt').waitFor();
  await browser.screenshot('webmail-draft-reopened');
  await page.setViewportSize({ width: 390, height: 780 });
  await browser.screenshot('webmail-phone-draft-reopened');
  await page.setViewportSize({ width: 1280, height: 860 });
  await again.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('status').filter({ hasText: 'Message sent' }).waitFor();
  const atBob = await waitForImapMessage(app, BOB, 'INBOX', 'Measurements attached');
  assert.match(atBob.source, /sizes\.txt/);
  assert.match(atBob.source, /Mi40IG0geCAxLjggbQ|2\.4 m x 1\.8 m/);
  assert.equal(await draftCount('Measurements attached'), 0);
});
