// Access rules: add one in the console, the "try it" box shows the decision and reply, reorder,
// and the SMTP listener obeys the rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { addAccessRule, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startApp({ worker: process.env.POSTROOM_E2E_NO_WORKER !== '1' });
  await seedSuperAdmin();
  await addMailbox({ address: 'inbox@console.test', password: 'Inbox-Password-1' });
  await addAccessRule({
    pattern: '198.51.100.0/24',
    action: 'OK',
    scope: 'connect',
    note: 'partner network',
  });
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

async function tryIt(sender: string, recipient: string, clientIp = '203.0.113.9') {
  const form = browser.page.getByTestId('try-policy-form');
  await form.getByLabel('Client IP').fill(clientIp);
  await form.getByLabel('Sender').fill(sender);
  await form.getByLabel('Recipient').fill(recipient);
  await form.getByRole('button', { name: 'Try it' }).click();
  await browser.page.getByTestId('try-result').waitFor();
  await browser.page.waitForFunction(
    (expected) => document.querySelector('[data-testid="try-result"]')?.textContent?.includes(expected),
    sender,
  );
  return {
    verdict: await browser.page.locator('[data-verdict]').getAttribute('data-verdict'),
    reply: await browser.page.getByTestId('try-reply').innerText(),
  };
}

test('an added REJECT rule decides in the try-it box with the exact SMTP reply', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/access`);
  const before = await tryIt('friend@elsewhere.example', 'inbox@console.test');
  assert.equal(before.verdict, 'accept');
  assert.match(before.reply, /^250 2\.1\.5/);

  const form = page.getByTestId('add-rule-form');
  await form.getByLabel('Pattern').fill('spammer.example');
  await form.getByLabel('Applies to').selectOption('sender');
  await form.getByLabel('Action').selectOption('REJECT');
  await form.getByLabel('Reject message (optional)').fill('Go away, spammer');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await page.getByRole('status').filter({ hasText: 'Added: sender spammer.example → REJECT' }).waitFor();
  // The status comes from the action's state and the table from the refreshed page: two updates,
  // which a loaded machine may show one after the other. Wait for the row, then count.
  const rows = page.getByRole('table', { name: 'Access rules' }).locator('tbody tr');
  await rows.filter({ hasText: 'spammer.example' }).waitFor();
  assert.equal(await rows.count(), 2);

  const after = await tryIt('bulk@spammer.example', 'inbox@console.test');
  assert.equal(after.verdict, 'reject');
  assert.equal(after.reply, '550 5.7.1 <bulk@spammer.example>: Go away, spammer');
  assert.match(await page.getByTestId('try-result').innerText(), /sender spammer\.example → REJECT/);
  await browser.screenshot('admin-access-rules');
});

test('a bad pattern gets a field error and nothing is saved', async () => {
  const { page } = browser;
  const form = page.getByTestId('add-rule-form');
  await form.getByLabel('Pattern').fill('300.1.2.3/40');
  await form.getByLabel('Applies to').selectOption('connect');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await form.locator('[data-field-error="pattern"]').waitFor();
  assert.equal(await db().accessRule.count(), 2);
});

test('reordering moves a rule up', async () => {
  const { page } = browser;
  const lastRow = page.getByRole('table', { name: 'Access rules' }).locator('tbody tr').last();
  const id = Number(await lastRow.getAttribute('data-rule-id'));
  await lastRow.getByRole('button', { name: /^Move rule \d+ up$/ }).click();
  await page.waitForFunction(
    (ruleId) =>
      document.querySelector('table[aria-label="Access rules"] tbody tr')?.getAttribute('data-rule-id') ===
      String(ruleId),
    id,
  );
  const ordered = await db().accessRule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  assert.equal(ordered[0]!.id, id);
});

test('editing a rule changes its message', async () => {
  const { page } = browser;
  const rule = await db().accessRule.findFirstOrThrow({ where: { pattern: 'spammer.example' } });
  await page
    .getByRole('link', { name: /^Edit rule \d+$/ })
    .and(page.locator(`[href="/admin/access/${rule.id}"]`))
    .click();
  await page.waitForURL(`**/admin/access/${rule.id}`);
  await page.getByLabel('Reject message (optional)').fill('No bulk mail from you');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await page.waitForURL((url) => url.pathname === '/admin/access');
  assert.equal(
    (await db().accessRule.findUniqueOrThrow({ where: { id: rule.id } })).message,
    'No bulk mail from you',
  );
});

test('the SMTP listener obeys the edited rule', async (t) => {
  const port = app.workerPorts.smtp;
  if (!port) return t.skip('mail worker not running');
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    tls: { rejectUnauthorized: false },
  });
  await assert.rejects(
    transport.sendMail({
      from: 'bulk@spammer.example',
      to: 'inbox@console.test',
      subject: 'spam',
      text: 'buy now',
    }),
    (error: { responseCode?: number; response?: string }) =>
      error.responseCode === 550 && /No bulk mail from you/.test(error.response ?? ''),
  );
  const sent = await transport.sendMail({
    from: 'friend@elsewhere.example',
    to: 'inbox@console.test',
    subject: 'hello',
    text: 'hi',
  });
  assert.match(sent.response, /^250/);
  transport.close();
});
