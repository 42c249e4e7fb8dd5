// The webmail in chromium, end to end against the real worker: sign in, new mail appears live,
// read it, open its attachment, reply (found in Sent and in the recipient's INBOX over IMAP),
// move, delete, search, shortcuts, another mailbox's ids, and the phone layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RunningApp } from './helpers/app';
import { openBrowser, type Browser } from './helpers/browser';
import {
  startWebmailApp,
  submit,
  signInToMail,
  waitForImapMessage,
  imapAs,
  ALICE,
  BOB,
} from './webmail-fixture';

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

test('sign in; a message sent over SMTP appears without reload; read it and open its attachment', async () => {
  const { page } = browser;
  await signInToMail(page, app.baseUrl, ALICE);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /Inbox/ }).waitFor();
  await browser.screenshot('webmail-empty-inbox');
  await submit(app, BOB, {
    from: '"Bob Builder" <bob@mail.test>',
    to: ALICE,
    subject: 'Project plan for Monday',
    text: 'Plain version',
    html: '<h2>Plan</h2><p>Hi Alice, the <b>plan</b> is attached.</p><ul><li>one</li><li>two</li></ul><img alt="site map" src="cid:map@plan">',
    attachments: [
      { filename: 'notes.txt', content: 'Bring the blueprints.\n' },
      {
        filename: 'map.png',
        cid: 'map@plan',
        contentType: 'image/png',
        content: Buffer.from(
          'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP4z8CAB+GTG8HSALfKY52fTcuYAAAAAElFTkSuQmCC',
          'base64',
        ),
      },
    ],
  });
  // Live: the IDLE watcher pushes the new message over SSE; no reload here.
  await row('Project plan for Monday').waitFor({ timeout: 15_000 });
  const unread = page.getByRole('navigation', { name: 'Folders' }).getByLabel('1 unread');
  await unread.waitFor();
  await row('Project plan for Monday').click();
  await page.getByTestId('reader-subject').filter({ hasText: 'Project plan for Monday' }).waitFor();
  assert.equal(await page.getByTestId('reader-from').innerText(), 'Bob Builder');
  const frame = page.frameLocator('[data-testid="message-frame"]');
  await frame.getByText('the plan is attached').waitFor();
  // The inline cid: image comes through our authenticated route into the sandboxed frame.
  await frame.getByAltText('site map').waitFor();
  await page.waitForFunction(() => {
    const doc = document.querySelector<HTMLIFrameElement>('[data-testid="message-frame"]')?.contentDocument;
    const image = doc?.querySelector<HTMLImageElement>('img[alt="site map"]');
    return !!image && image.complete && image.naturalWidth === 4;
  });
  assert.equal(await page.getByTestId('auth-badge').innerText(), 'Trusted sender');
  const attachment = page.getByTestId('attachment').filter({ hasText: 'notes.txt' });
  assert.match(await attachment.innerText(), /\d+ B/);
  await browser.screenshot('webmail-reading');
  const [download] = await Promise.all([page.waitForEvent('download'), attachment.click()]);
  assert.equal(download.suggestedFilename(), 'notes.txt');
  assert.equal(readFileSync((await download.path())!, 'utf8'), 'Bring the blueprints.\n');
  await page.getByRole('button', { name: 'View source' }).click();
  assert.match(await page.getByTestId('raw-source').innerText(), /Subject: Project plan for Monday/);
  await unread.waitFor({ state: 'detached' });
});

test("reply: found in Sent and, over IMAP, in the recipient's INBOX with In-Reply-To", async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  const compose = page.getByRole('form', { name: 'Compose message' });
  await compose.waitFor();
  assert.match(await compose.getByLabel('To', { exact: true }).inputValue(), /bob@mail\.test/);
  assert.equal(await compose.getByLabel('Subject').inputValue(), 'Re: Project plan for Monday');
  const body = compose.getByLabel('Message', { exact: true });
  await body.press('Home');
  await body.pressSequentially('Sounds good, see you Monday.');
  await compose
    .getByLabel('Attach files')
    .setInputFiles({ name: 'agenda.txt', mimeType: 'text/plain', buffer: Buffer.from('1. coffee\n') });
  await compose.getByText('agenda.txt').waitFor();
  await browser.screenshot('webmail-reply');
  await compose.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('status').filter({ hasText: 'Message sent' }).waitFor();
  const atBob = await waitForImapMessage(app, BOB, 'INBOX', 'Re: Project plan for Monday');
  assert.match(atBob.source, /In-Reply-To: </);
  assert.match(atBob.source, /Sounds good, see you Monday\./);
  assert.match(atBob.source, /agenda\.txt/);
  const inSent = await waitForImapMessage(app, ALICE, 'Sent', 'Re: Project plan for Monday');
  assert.match(inSent.source, /Sounds good/);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: /Sent/ }).click();
  await row('Re: Project plan for Monday').waitFor();
  await browser.screenshot('webmail-sent');
});

test('move to Archive, delete to Trash, and search', async () => {
  const { page } = browser;
  const folders = page.getByRole('navigation', { name: 'Folders' });
  await folders.getByRole('button', { name: /Inbox/ }).click();
  await row('Project plan for Monday').getByRole('checkbox').check();
  await page.getByLabel('Move selected to').selectOption('Archive');
  await page.getByRole('status').filter({ hasText: 'moved' }).waitFor();
  await row('Project plan for Monday').waitFor({ state: 'detached' });
  await folders.getByRole('button', { name: /Archive/ }).click();
  await row('Project plan for Monday').click();
  await page.getByRole('article', { name: 'Message' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('status').filter({ hasText: 'moved to Trash' }).waitFor();
  await folders.getByRole('button', { name: /Trash/ }).click();
  await row('Project plan for Monday').waitFor();
  const client = await imapAs(app, ALICE);
  try {
    const archive = await client.status('Archive', { messages: true });
    const trash = await client.status('Trash', { messages: true });
    assert.equal(archive && archive.messages, 0);
    assert.equal(trash && trash.messages, 1);
  } finally {
    await client.logout();
  }
  await submit(app, BOB, { to: ALICE, subject: 'Invoice 4711', text: 'Please pay the walrus fee.' });
  await submit(app, BOB, { to: ALICE, subject: 'Unrelated', text: 'Nothing here.' });
  await folders.getByRole('button', { name: /Inbox/ }).click();
  await row('Unrelated').waitFor({ timeout: 15_000 });
  await page.keyboard.press('/');
  await page.getByLabel('Search mail').fill('walrus');
  await page.getByLabel('Search mail').press('Enter');
  await page.getByTestId('folder-title').filter({ hasText: 'Search results' }).waitFor();
  await row('Unrelated').waitFor({ state: 'detached' });
  await row('Invoice 4711').waitFor();
  assert.equal(await page.locator('li[data-uid]').count(), 1);
  await browser.screenshot('webmail-search');
});

test('keyboard: j opens the next message, r and f reply and forward, c composes with autocomplete and an autosaved draft', async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Clear' }).click();
  await row('Unrelated').waitFor();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await page.getByTestId('reader-subject').waitFor();
  const opened = await page.getByTestId('reader-subject').innerText();
  for (const [key, heading, subject] of [
    ['r', 'Reply', `Re: ${opened}`],
    ['f', 'Forward', `Fwd: ${opened}`],
  ]) {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press(key);
    const form = page.getByRole('form', { name: 'Compose message' });
    await form.getByRole('heading', { name: heading }).waitFor();
    assert.equal(await form.getByLabel('Subject').inputValue(), subject);
    await form.getByRole('button', { name: 'Close' }).click();
  }
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('c');
  const compose = page.getByRole('form', { name: 'Compose message' });
  await compose.waitFor();
  await compose.getByLabel('To', { exact: true }).fill('not-an-address');
  await compose.getByRole('button', { name: 'Send' }).click();
  await compose
    .locator('[data-field-error="to"]')
    .filter({ hasText: 'is not a valid email address' })
    .waitFor();
  await compose.getByLabel('To', { exact: true }).fill('');
  await compose.getByLabel('To', { exact: true }).pressSequentially('bo');
  await page.getByRole('option', { name: /Bob Builder/ }).click();
  assert.equal(await compose.getByLabel('To', { exact: true }).inputValue(), 'Bob Builder <bob@mail.test>, ');
  await compose.getByLabel('Subject').fill('Draft about the shed');
  await compose.getByLabel('Message', { exact: true }).fill('Half-written thoughts');
  await page.getByTestId('draft-status').filter({ hasText: 'Draft saved' }).waitFor({ timeout: 10_000 });
  const draft = await waitForImapMessage(app, ALICE, 'Drafts', 'Draft about the shed');
  assert.match(draft.source, /Half-written thoughts/);
  await browser.screenshot('webmail-compose-draft');
  await compose.getByRole('button', { name: 'Close' }).click();
  // Back from Drafts: the draft opens in compose, is sent, and leaves Drafts.
  await page
    .getByRole('navigation', { name: 'Folders' })
    .getByRole('button', { name: /Drafts/ })
    .click();
  await row('Draft about the shed').click();
  const again = page.getByRole('form', { name: 'Compose message' });
  assert.equal(await again.getByLabel('Subject').inputValue(), 'Draft about the shed');
  assert.equal(await again.getByLabel('Message', { exact: true }).inputValue(), 'Half-written thoughts');
  await again.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('status').filter({ hasText: 'Message sent' }).waitFor();
  await waitForImapMessage(app, BOB, 'INBOX', 'Draft about the shed');
  await row('Draft about the shed').waitFor({ state: 'detached' });
});

test('folders: create, rename and delete from the folder list', async () => {
  const { page } = browser;
  const folders = page.getByRole('navigation', { name: 'Folders' });
  await folders.getByRole('button', { name: 'New folder' }).click();
  await folders.getByLabel('Folder name').fill('Receipts');
  await folders.getByRole('button', { name: 'Create' }).click();
  await folders.getByRole('button', { name: 'Receipts', exact: true }).waitFor();
  await folders.getByRole('button', { name: 'Rename Receipts' }).click();
  await folders.getByLabel('New name for Receipts').fill('Bills');
  await folders.getByRole('button', { name: 'Rename', exact: true }).click();
  await folders.getByRole('button', { name: 'Bills', exact: true }).waitFor();
  await folders.getByRole('button', { name: 'Delete Bills' }).click();
  await folders.getByRole('button', { name: 'Delete folder' }).click();
  await folders.getByRole('button', { name: 'Bills', exact: true }).waitFor({ state: 'detached' });
  const client = await imapAs(app, ALICE);
  try {
    assert.deepEqual(
      (await client.list()).map((f) => f.path).filter((p) => ['Receipts', 'Bills'].includes(p)),
      [],
    );
  } finally {
    await client.logout();
  }
});

test("another mailbox's message cannot be read by changing ids; no session, no mail; cross-site changes refused", async () => {
  const { page, context } = browser;
  const secret = await submit(app, ALICE, { to: BOB, subject: 'Bob private', text: 'for bob only' });
  assert.ok(secret);
  const atBob = await waitForImapMessage(app, BOB, 'INBOX', 'Bob private');
  for (let uid = 1; uid <= atBob.uid + 2; uid++) {
    const response = await page.request.get(`${app.baseUrl}/api/mail/message?folder=INBOX&uid=${uid}&peek=1`);
    if (response.ok()) assert.doesNotMatch(await response.text(), /for bob only|Bob private/);
  }
  const anonymous = await fetch(`${app.baseUrl}/api/mail/messages?folder=INBOX`);
  assert.equal(anonymous.status, 401);
  const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const crossSite = await fetch(`${app.baseUrl}/api/mail/actions`, {
    method: 'POST',
    headers: { cookie: cookies, origin: 'https://evil.example', 'content-type': 'application/json' },
    body: JSON.stringify({ folder: 'INBOX', uids: [1], action: 'delete' }),
  });
  assert.equal(crossSite.status, 403);
});

test('on a phone the list and the reader take the whole screen in turn', async () => {
  const { page } = browser;
  await page.setViewportSize({ width: 390, height: 780 });
  await page.goto(`${app.baseUrl}/mail`);
  await row('Unrelated').waitFor();
  await browser.screenshot('webmail-phone-list');
  await row('Unrelated').click();
  await page.getByTestId('reader-subject').waitFor();
  assert.equal(await page.getByRole('region', { name: 'Messages' }).isVisible(), false);
  await browser.screenshot('webmail-phone-reader');
  await page.getByRole('button', { name: 'Back to list' }).click();
  await row('Unrelated').waitFor();
  await page.setViewportSize({ width: 1280, height: 860 });
});
