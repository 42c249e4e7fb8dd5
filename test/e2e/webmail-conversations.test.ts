// Reading and organising in the webmail, in chromium against the real worker: links in plain
// text (http, https and mailto only), conversations grouped by the server's THREAD=REFERENCES
// and the choice remembered, search across all folders naming each result's folder, Forward
// listing the original's attachments (one removed before sending), and Undo after delete and
// after move (the new UIDs from COPYUID).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

process.env.POSTROOM_AUTH_PENALTY_MS = '0';
// One mail worker process: starting one per core took longer than the harness's 30 s on a busy
// machine; the subject here is the webmail, not the cluster.
process.env.POSTROOM_WORKERS = '1';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startWebmailApp();
  browser = await openBrowser();
  const party = await submit(app, BOB, {
    to: ALICE,
    subject: 'Garden party',
    text: 'Details at https://example.org/party?x=1, or ask mailto:bob@mail.test.\nNot a link: javascript:alert(1) or data:text/html,hi\n',
  });
  await submit(app, BOB, {
    to: ALICE,
    subject: 'Re: Garden party',
    text: 'Bring a chair.',
    inReplyTo: party,
    references: [party],
  });
  await submit(app, BOB, {
    to: ALICE,
    subject: 'Tool list',
    text: 'See the attachments.',
    attachments: [
      { filename: 'tools.txt', content: 'saw, hammer\n' },
      { filename: 'plan.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 fake\n') },
    ],
  });
  await submit(app, BOB, { to: ALICE, subject: 'Walrus invoice', text: 'The walrus fee is due.' });
  const walrus = await waitForImapMessage(app, ALICE, 'INBOX', 'Walrus invoice');
  await waitForImapMessage(app, ALICE, 'INBOX', 'Tool list');
  await waitForImapMessage(app, ALICE, 'INBOX', 'Re: Garden party');
  const client = await imapAs(app, ALICE);
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      await client.messageMove(String(walrus.uid), 'Archive', { uid: true });
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const row = (subject: string) =>
  browser.page
    .locator('li[data-uid]')
    .filter({ has: browser.page.getByTestId('subject').getByText(subject, { exact: true }) });

async function count(folder: string): Promise<number> {
  const client = await imapAs(app, ALICE);
  try {
    const status = await client.status(folder, { messages: true });
    return status ? (status.messages ?? -1) : -1;
  } finally {
    await client.logout();
  }
}

test('links in a plain-text body: http(s) and mailto open safely in a new tab, nothing else is a link', async () => {
  const { page } = browser;
  await signInToMail(page, app.baseUrl, ALICE);
  await row('Garden party').click();
  const body = page.getByTestId('plain-body');
  await body.getByText('Not a link').waitFor();
  const links = await body
    .locator('a')
    .evaluateAll((anchors) =>
      anchors.map((a) => [
        a.getAttribute('href'),
        a.getAttribute('target'),
        a.getAttribute('rel'),
        a.textContent,
      ]),
    );
  assert.deepEqual(links, [
    [
      'https://example.org/party?x=1',
      '_blank',
      'noopener noreferrer nofollow',
      'https://example.org/party?x=1',
    ],
    ['mailto:bob@mail.test', '_blank', 'noopener noreferrer nofollow', 'mailto:bob@mail.test'],
  ]);
  assert.match(await body.innerText(), /javascript:alert\(1\) or data:text\/html,hi/);
  await browser.screenshot('webmail-plain-links');
});

test('conversations: a reply joins its original, the view opens it, and the choice is remembered', async () => {
  const { page } = browser;
  const show = page.getByRole('group', { name: 'Show' });
  await show.getByRole('button', { name: 'Conversations' }).click();
  const party = page.locator('li[data-thread]').filter({ hasText: 'Re: Garden party' });
  await party.waitFor();
  assert.equal(await party.getByTestId('thread-count').innerText(), '2');
  const tools = page.locator('li[data-thread]').filter({ hasText: 'Tool list' });
  assert.equal(await tools.getByTestId('thread-count').count(), 0, 'a message alone is no conversation');
  assert.equal(await page.locator('li[data-thread]').count(), 2, 'Garden party (2) and Tool list');
  await party.getByRole('button', { name: /Conversation: Re: Garden party, 2 messages/ }).click();
  await page.getByTestId('reader-subject').filter({ hasText: 'Re: Garden party' }).waitFor();
  const inside = party.getByRole('list', { name: /Messages in/ });
  assert.deepEqual(await inside.getByTestId('subject').allInnerTexts(), ['Garden party', 'Re: Garden party']);
  await browser.screenshot('webmail-conversations');
  await page.setViewportSize({ width: 390, height: 780 });
  await page.getByRole('button', { name: 'Back to list' }).click();
  await party.waitFor();
  await browser.screenshot('webmail-phone-conversations');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.reload();
  await page.locator('li[data-thread]').filter({ hasText: 'Re: Garden party' }).waitFor();
  assert.equal(
    await page
      .getByRole('group', { name: 'Show' })
      .getByRole('button', { name: 'Conversations' })
      .getAttribute('aria-pressed'),
    'true',
  );
  await page.getByRole('group', { name: 'Show' }).getByRole('button', { name: 'Messages' }).click();
  await row('Tool list').waitFor();
  assert.equal(await page.locator('li[data-thread]').count(), 0);
});

test('search across all folders finds a message in Archive and says where it is', async () => {
  const { page } = browser;
  await page.getByLabel('Search mail').fill('walrus');
  await page.getByLabel('Search mail').press('Enter');
  await page.getByTestId('folder-title').filter({ hasText: 'Search results in Inbox' }).waitFor();
  await page.getByText('No messages here.').waitFor();
  await page.getByLabel('All folders').check();
  await page.getByTestId('folder-title').filter({ hasText: 'Search results in all folders' }).waitFor();
  const hit = row('Walrus invoice');
  await hit.waitFor();
  assert.equal(await hit.getByTestId('result-folder').innerText(), 'Archive');
  assert.equal(await page.locator('li[data-uid]').count(), 1);
  await browser.screenshot('webmail-search-all-folders');
  await hit.click();
  await page.getByTestId('reader-subject').filter({ hasText: 'Walrus invoice' }).waitFor();
  assert.match(await page.getByTestId('plain-body').innerText(), /walrus fee is due/);
  await page.setViewportSize({ width: 390, height: 780 });
  await page.getByRole('button', { name: 'Back to list' }).click();
  await browser.screenshot('webmail-phone-search-all-folders');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.getByRole('button', { name: 'Clear' }).click();
  await row('Tool list').waitFor();
});

test("Forward lists the original's attachments; one removed is not sent", async () => {
  const { page } = browser;
  await row('Tool list').click();
  await page.getByTestId('reader-subject').filter({ hasText: 'Tool list' }).waitFor();
  await page.getByRole('button', { name: 'Forward', exact: true }).click();
  const compose = page.getByRole('form', { name: 'Compose message' });
  const carried = compose.getByRole('list', { name: 'Forwarded attachments' });
  await carried.getByText('tools.txt').waitFor();
  await carried.getByText('plan.pdf').waitFor();
  await browser.screenshot('webmail-forward-attachments');
  await carried.getByRole('button', { name: 'Remove plan.pdf' }).click();
  await carried.getByText('plan.pdf').waitFor({ state: 'detached' });
  await compose.getByLabel('To', { exact: true }).fill(BOB);
  await compose.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('status').filter({ hasText: 'Message sent' }).waitFor();
  const atBob = await waitForImapMessage(app, BOB, 'INBOX', 'Fwd: Tool list');
  assert.match(atBob.source, /filename=tools\.txt|filename="tools\.txt"/);
  assert.doesNotMatch(atBob.source, /plan\.pdf/);
});

test('Undo after delete and after move puts the messages back', async () => {
  const { page } = browser;
  const before = await count('INBOX');
  await row('Tool list').click();
  await page.getByTestId('reader-subject').filter({ hasText: 'Tool list' }).waitFor();
  await page.getByRole('article', { name: 'Message' }).getByRole('button', { name: 'Delete' }).click();
  const toast = page.getByRole('status').filter({ hasText: 'moved to Trash' });
  await toast.waitFor();
  await row('Tool list').waitFor({ state: 'detached' });
  assert.equal(await count('Trash'), 1);
  await browser.screenshot('webmail-undo-toast');
  await toast.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('status').filter({ hasText: 'back in Inbox' }).waitFor();
  await row('Tool list').waitFor();
  assert.equal(await count('Trash'), 0);
  assert.equal(await count('INBOX'), before);

  await row('Garden party').getByRole('checkbox').check();
  await row('Re: Garden party').getByRole('checkbox').check();
  await page.getByLabel('Move selected to').selectOption('Archive');
  const moved = page.getByRole('status').filter({ hasText: '2 messages moved' });
  await moved.waitFor();
  assert.equal(await count('Archive'), 3);
  await moved.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('status').filter({ hasText: '2 messages back in Inbox' }).waitFor();
  await row('Re: Garden party').waitFor();
  assert.equal(await count('Archive'), 1, 'only the walrus invoice stays in Archive');
  assert.equal(await count('INBOX'), before);
});
