// Mail > Filters in chromium against the real worker: a user sets a vacation reply and a "mail
// from Bob goes to Projects" rule; Bob's mail over SMTP is then filed into Projects and Bob gets
// exactly one vacation reply in his own mailbox. Bad input shows field errors; the raw editor
// points at the compiler's line and column and stores nothing; phone and desktop layouts.
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
import { httpRequest } from './helpers/http-session';
import { getMailbox } from '../../server/domain';
import { getSieveScript, sieveStatus } from '../../server/rules';

process.env.POSTROOM_AUTH_PENALTY_MS = '0';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startWebmailApp();
  browser = await openBrowser();
  const imap = await imapAs(app, ALICE);
  try {
    await imap.mailboxCreate('Projects');
  } finally {
    await imap.logout();
  }
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function countImap(address: string, folder: string, subject: string): Promise<number> {
  const client = await imapAs(app, address);
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      return ((await client.search({ subject }, { uid: true })) || []).length;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

test('the webmail links to Filters; a rule with bad fields is refused field by field', async () => {
  const { page } = browser;
  await signInToMail(page, app.baseUrl, ALICE);
  await page.getByTestId('filters-link').click();
  await page.waitForURL((url) => url.pathname === '/mail/filters');
  await page.getByText('Filters off').waitFor();
  await page.getByRole('button', { name: '+ New rule' }).click();
  await page.getByLabel('Condition 1: header').selectOption('size');
  await page.getByLabel('Condition 1: value').fill('huge');
  await page.getByLabel('Action 1', { exact: true }).selectOption('forward');
  await page.getByLabel('Action 1: forward to address').fill('not-an-address');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await page.getByRole('alert').filter({ hasText: 'Please correct the 3 marked fields.' }).waitFor();
  assert.equal(await page.locator('#rule-name-error').innerText(), 'is required');
  assert.match(await page.locator('#condition-1-error').innerText(), /size like 500K/);
  assert.match(await page.locator('#action-1-error').innerText(), /email address/);
  assert.equal(await page.getByLabel('Rule name').getAttribute('aria-invalid'), 'true');
  await browser.screenshot('webmail-filters-rule-errors');
  await page.getByRole('button', { name: 'Cancel' }).click();
  // Nothing was stored.
  const alice = await getMailbox(ALICE);
  assert.equal(await getSieveScript(alice.id, 'webmail'), null);
});

test('a rule "from Bob to Projects" and a vacation reply are saved from the forms', async () => {
  const { page } = browser;
  await page.getByRole('button', { name: '+ New rule' }).click();
  await page.getByLabel('Rule name').fill('Bob to Projects');
  await page.getByLabel('Condition 1: header').selectOption('from');
  await page.getByLabel('Condition 1: comparison').selectOption('contains');
  await page.getByLabel('Condition 1: value').fill('bob@mail.test');
  await page.getByLabel('Action 1: folder').selectOption('Projects');
  await browser.screenshot('webmail-filters-rule-editor');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await page.getByRole('status').filter({ hasText: 'Rule "Bob to Projects" saved.' }).waitFor();
  const rule = page.getByTestId('rule').filter({ hasText: 'Bob to Projects' });
  assert.match(await rule.innerText(), /From contains "bob@mail\.test", then move to Projects, and stop\./);
  await page.getByText('Filters on').waitFor();

  await page.getByRole('tab', { name: 'Vacation reply' }).click();
  await page.getByLabel('Send an automatic reply while I am away').check();
  // A last day before the first is a field error; nothing changes.
  await page.getByLabel('First day').fill(day(3));
  await page.getByLabel('Last day').fill(day(1));
  await page.getByRole('button', { name: 'Save vacation reply' }).click();
  await page.getByRole('alert').filter({ hasText: 'Please correct the 2 marked fields.' }).waitFor();
  assert.equal(await page.locator('#vacation-end-error').innerText(), 'must not be before the start');
  assert.equal(await page.locator('#vacation-text-error').innerText(), 'is required');
  await page.getByLabel('First day').fill(day(-1));
  await page.getByLabel('Last day').fill(day(7));
  await page.getByLabel('Subject').fill('Away until Monday');
  await page.getByLabel('Message').fill('I am away this week.\nBack on Monday.');
  await page.getByRole('button', { name: 'Save vacation reply' }).click();
  await page.getByRole('status').filter({ hasText: 'Vacation reply saved and on.' }).waitFor();
  await browser.screenshot('webmail-filters-vacation');

  const alice = await getMailbox(ALICE);
  assert.deepEqual(await sieveStatus(alice.id), { activeScript: 'webmail', vacation: true });
  const script = (await getSieveScript(alice.id, 'webmail')) ?? '';
  assert.match(script, /currentdate :value "ge" "date" "\d{4}-\d\d-\d\d"/);
  assert.match(script, /fileinto "Projects";/);

  // Read back: a fresh load shows the same rule and vacation in the forms.
  await page.reload();
  await page.getByTestId('rule').filter({ hasText: 'Bob to Projects' }).waitFor();
  await page.getByRole('tab', { name: 'Vacation reply' }).click();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Away until Monday');
  assert.equal(await page.getByLabel('Message').inputValue(), 'I am away this week.\nBack on Monday.');
  assert.ok(await page.getByLabel('Send an automatic reply while I am away').isChecked());
});

test("Bob's mail over SMTP is filed into Projects and Bob gets one vacation reply", async () => {
  await submit(app, BOB, { to: ALICE, subject: 'Plans for Tuesday', text: 'See you.' });
  await waitForImapMessage(app, ALICE, 'Projects', 'Plans for Tuesday', 20_000);
  const reply = await waitForImapMessage(app, BOB, 'INBOX', 'Away until Monday', 20_000);
  assert.match(reply.source, /^Auto-Submitted: auto-replied/im);
  assert.match(reply.source, /I am away this week\./);
  assert.match(reply.source, /^To: .*bob@mail\.test/im);
  await submit(app, BOB, { to: ALICE, subject: 'Plans for Wednesday', text: 'And again.' });
  await waitForImapMessage(app, ALICE, 'Projects', 'Plans for Wednesday', 20_000);
  assert.equal(await countImap(ALICE, 'INBOX', 'Plans for'), 0, 'nothing from Bob stays in the Inbox');
  // Once per sender within :days: no second reply (give the queue time to show one if it would).
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(await countImap(BOB, 'INBOX', 'Away until Monday'), 1);
  // The webmail shows the message in Projects too.
  const { page } = browser;
  await page.goto(`${app.baseUrl}/mail`);
  await page.getByRole('navigation', { name: 'Folders' }).locator('button[data-folder="Projects"]').click();
  await page.locator('li[data-uid]').filter({ hasText: 'Plans for Tuesday' }).waitFor();
});

test('the raw editor points at the line and column of an error and stores nothing', async () => {
  const { page } = browser;
  const alice = await getMailbox(ALICE);
  const stored = await getSieveScript(alice.id, 'webmail');
  await page.goto(`${app.baseUrl}/mail/filters`);
  await page.getByRole('tab', { name: 'Sieve script' }).click();
  const editor = page.getByRole('textbox', { name: 'Sieve script' });
  assert.match(await editor.inputValue(), /fileinto "Projects";/);
  const bad = 'require "fileinto";\nif header :contains "from" "x" {\n  fileinto "A"\n}\n';
  await editor.fill(bad);
  await page.getByRole('button', { name: 'Save script' }).click();
  const problem = page.getByTestId('sieve-error');
  await problem.waitFor();
  assert.match(await problem.innerText(), /^Line 4, column 1: expected ';'/);
  assert.equal(await page.getByTestId('error-line').innerText(), '}');
  // The caret sits on the error.
  const caret = await editor.evaluate((node) => (node as HTMLTextAreaElement).selectionStart);
  assert.equal(caret, bad.indexOf('}'));
  assert.equal(await getSieveScript(alice.id, 'webmail'), stored, 'the stored script is unchanged');
  await browser.screenshot('webmail-filters-script-error');
  // Check (without saving) reports a wrong extension too.
  await editor.fill('require "nosuchthing";\nkeep;\n');
  await page.getByRole('button', { name: 'Check' }).click();
  await page.getByTestId('sieve-error').filter({ hasText: 'Line 1' }).waitFor();

  // A valid hand-written script is stored; the builder then says it cannot show it.
  await editor.fill(
    'require "fileinto";\n# mine\nif header :contains "subject" "urgent" { fileinto "Projects"; }\n',
  );
  await page.getByRole('button', { name: 'Save script' }).click();
  await page.getByRole('status').filter({ hasText: 'Script saved and active.' }).waitFor();
  await page.getByRole('tab', { name: 'Rules' }).click();
  await page.getByTestId('hand-edited').waitFor();
  assert.deepEqual(await sieveStatus(alice.id), { activeScript: 'webmail', vacation: false });
});

test('phone layout: the builder and the vacation form fit a narrow screen', async () => {
  const { page } = browser;
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.goto(`${app.baseUrl}/mail/filters`);
    await page.getByRole('button', { name: '+ New rule' }).click();
    await page.getByRole('button', { name: '+ Add condition' }).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
    await browser.screenshot('webmail-filters-phone-rule');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('tab', { name: 'Vacation reply' }).click();
    await browser.screenshot('webmail-filters-phone-vacation');
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }
});

test('the filters API answers only the signed-in user and only same-origin changes', async () => {
  const anonymous = await httpRequest(`${app.baseUrl}/api/mail/filters`);
  assert.equal(anonymous.status, 401);
  const cookies = await browser.context.cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const crossSite = await httpRequest(`${app.baseUrl}/api/mail/filters/script`, {
    method: 'PUT',
    headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'discard;' }),
  });
  assert.equal(crossSite.status, 403);
  const alice = await getMailbox(ALICE);
  assert.doesNotMatch((await getSieveScript(alice.id, 'webmail')) ?? '', /^discard;/m);
});
