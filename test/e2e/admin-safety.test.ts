// Console forms that must not surprise an admin: an alias cannot take over a mailbox, a pasted
// qmail line keeps its own action (and SMTP from 127.0.0.1 still works), removals ask first and
// their result stays with an Undo, the rule tester keeps what was typed, and a form posted from
// another site gets a page that says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import nodemailer from 'nodemailer';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { addAlias, addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;
let evilSite: Server | undefined;

before(async () => {
  app = await startApp({ worker: true, env: { POSTROOM_MAILAUTH: 'off' } });
  await seedSuperAdmin();
  await addMailbox({ address: 'inbox@console.test', password: 'Inbox-Password-1' });
  await addAlias('sales@console.test', ['inbox@console.test', 'partner@elsewhere.example']);
  await addDomain('empty.example');
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  evilSite?.close();
  await browser?.close();
  await app?.close();
});

test("an alias on a mailbox's address is refused with a field error that points to forwarding", async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/aliases`);
  const form = page.getByTestId('add-alias-form');
  await form.getByLabel('Source address').fill('inbox@console.test');
  await form.getByLabel('Destinations').fill('thief@elsewhere.example');
  await form.getByRole('button', { name: 'Add alias' }).click();
  const error = form.locator('[data-field-error="source"]');
  await error.waitFor();
  assert.match(await error.innerText(), /inbox@console\.test is a mailbox.*forwarding/s);
  assert.equal(await db().alias.count({ where: { sourceLocal: 'inbox' } }), 0);
  await browser.screenshot('admin-alias-mailbox-refused');
});

test('a pasted qmail line saves its own action, says so, and SMTP from 127.0.0.1 still works', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/access`);
  const form = page.getByTestId('add-rule-form');
  await form.getByLabel('Pattern').fill('127.0.0.1:allow,RELAYCLIENT=""');
  // The hint reads the line as it is typed, before anything is sent.
  const hint = form.getByTestId('pasted-rule-hint');
  await hint.waitFor();
  assert.match(await hint.innerText(), /qmail line: 127\.0\.0\.1 → RELAY/);
  assert.equal(await form.getByLabel('Action').inputValue(), 'REJECT', 'the menu is left at its default');
  await browser.screenshot('admin-access-pasted-hint');
  await form.getByRole('button', { name: 'Add rule' }).click();
  const status = page.getByRole('status').filter({ hasText: 'Added: connect 127.0.0.1 → RELAY' });
  await status.waitFor();
  assert.match(await status.innerText(), /qmail line.*Action menu \(REJECT\) was not used/);
  const rule = await db().accessRule.findFirstOrThrow({ where: { pattern: '127.0.0.1' } });
  assert.equal(rule.action, 'RELAY');

  await form.getByLabel('Pattern').fill('66.115.47.:deny');
  await form.getByLabel('Action').selectOption('OK');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await page.getByRole('status').filter({ hasText: 'Added: connect 66.115.47. → REJECT' }).waitFor();

  const port = app.workerPorts.smtp;
  assert.ok(port, 'the mail worker runs');
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const sent = await transport.sendMail({
    from: 'friend@elsewhere.example',
    to: 'inbox@console.test',
    subject: 'still welcome',
    text: 'hello',
  });
  assert.match(sent.response, /^250/);
  transport.close();
});

test('the rule tester keeps its inputs after a run', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/access`);
  const form = page.getByTestId('try-policy-form');
  await form.getByLabel('Client IP').fill('66.115.47.9');
  await form.getByLabel('Sender').fill('someone@elsewhere.example');
  await form.getByLabel('Recipient').fill('inbox@console.test');
  await form.getByRole('button', { name: 'Try it' }).click();
  await page.getByTestId('try-result').waitFor();
  await page.waitForFunction(
    () => document.querySelector('[data-verdict]')?.getAttribute('data-verdict') === 'reject',
  );
  assert.equal(await form.getByLabel('Client IP').inputValue(), '66.115.47.9');
  assert.equal(await form.getByLabel('Sender').inputValue(), 'someone@elsewhere.example');
  assert.equal(await form.getByLabel('Recipient').inputValue(), 'inbox@console.test');
  // A second run with one field changed uses the kept ones.
  await form.getByLabel('Client IP').fill('192.0.2.1');
  await form.getByRole('button', { name: 'Try it' }).click();
  await page.waitForFunction(
    () => document.querySelector('[data-verdict]')?.getAttribute('data-verdict') === 'accept',
  );
  assert.equal(await form.getByLabel('Sender').inputValue(), 'someone@elsewhere.example');
  await browser.screenshot('admin-try-kept');
});

test('removing an alias asks first, the result stays on screen, and Undo puts it back', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/aliases`);
  const count = () => db().alias.count({ where: { sourceLocal: 'sales', sourceDomain: 'console.test' } });
  await page.getByRole('button', { name: 'Remove the alias sales@console.test' }).click();
  const question = page.getByTestId('confirm-question');
  await question.waitFor();
  assert.match(await question.innerText(), /Really remove sales@console\.test\?/);
  assert.equal(await count(), 2, 'nothing removed by the first click');
  await browser.screenshot('admin-alias-confirm');
  await page.getByRole('button', { name: 'Yes, remove alias' }).click();
  const notice = page.getByTestId('result-notice');
  await notice.filter({ hasText: 'Removed the alias sales@console.test' }).waitFor();
  assert.equal(await count(), 0);
  // Still there after a reload: the message is not lost to the redirect.
  await page.reload();
  await notice.filter({ hasText: 'Removed the alias sales@console.test' }).waitFor();
  await browser.screenshot('admin-alias-removed');
  await page.getByRole('button', { name: 'Undo: put sales@console.test back' }).click();
  await notice.filter({ hasText: 'Put sales@console.test back' }).waitFor();
  assert.equal(await count(), 2);

  // One destination: the same, Cancel first.
  await page
    .getByRole('button', { name: 'Remove partner@elsewhere.example from sales@console.test' })
    .click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await count(), 2);
  await page
    .getByRole('button', { name: 'Remove partner@elsewhere.example from sales@console.test' })
    .click();
  await page.getByRole('button', { name: 'Yes, remove' }).click();
  await notice.filter({ hasText: 'Removed partner@elsewhere.example from sales@console.test' }).waitFor();
  assert.equal(await count(), 1);
});

test('removing an access rule asks first and Undo restores it in its place', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/access`);
  const rows = page.getByRole('table', { name: 'Access rules' }).locator('tbody tr');
  const before = await db().accessRule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  await rows.first().getByRole('button', { name: 'Remove rule 1' }).click();
  await rows.first().getByTestId('confirm-question').waitFor();
  assert.equal(await db().accessRule.count(), before.length);
  await rows.first().getByRole('button', { name: 'Yes, remove' }).click();
  const notice = page.getByTestId('result-notice');
  await notice.filter({ hasText: `Removed the rule connect ${before[0]!.pattern}` }).waitFor();
  assert.equal(await db().accessRule.count(), before.length - 1);
  await browser.screenshot('admin-access-removed');
  await notice.getByRole('button', { name: /^Undo/ }).click();
  await notice.filter({ hasText: 'Put the rule' }).waitFor();
  const after = await db().accessRule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  assert.deepEqual(
    after.map((rule) => [rule.pattern, rule.action, rule.position]),
    before.map((rule) => [rule.pattern, rule.action, rule.position]),
  );
});

test('removing an empty domain asks first', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/domains/empty.example`);
  const form = page.getByTestId('remove-domain-form');
  await form.getByRole('button', { name: 'Remove domain' }).click();
  await form.getByTestId('confirm-question').filter({ hasText: 'Really remove empty.example?' }).waitFor();
  assert.ok(await db().domain.findUnique({ where: { domain: 'empty.example' } }));
  await form.getByRole('button', { name: 'Yes, remove domain' }).click();
  await page.waitForURL('**/admin/domains?removed=empty.example');
  await page.getByRole('status').filter({ hasText: 'Removed empty.example' }).waitFor();
  assert.equal(await db().domain.findUnique({ where: { domain: 'empty.example' } }), null);
});

test('a form posted from another site shows a clear page and changes nothing', async () => {
  const { page } = browser;
  // The real form's hidden fields (its server action id), copied onto a page of another origin.
  await page.goto(`${app.baseUrl}/admin/domains`);
  const hidden = await page
    .getByTestId('add-domain-form')
    .locator('input[type=hidden]')
    .evaluateAll((inputs) =>
      (inputs as HTMLInputElement[]).map((input) => ({ name: input.name, value: input.value })),
    );
  assert.ok(hidden.some((field) => field.name.startsWith('$ACTION')));
  const attribute = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const fields = hidden
    .map((field) => `<input type="hidden" name="${attribute(field.name)}" value="${attribute(field.value)}">`)
    .join('');
  const html = `<!DOCTYPE html><title>Win a prize</title>
<form id="f" method="post" enctype="multipart/form-data" action="${app.baseUrl}/admin/domains">${fields}
<input name="domain" value="forged.example"><input name="aliasOf" value=""></form>
<script>document.getElementById('f').submit()</script>`;
  evilSite = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(html);
  });
  await new Promise<void>((resolve) => evilSite!.listen(0, '127.0.0.1', resolve));
  const address = evilSite.address();
  const evilPort = typeof address === 'object' && address ? address.port : 0;
  const landed = page.waitForResponse((response) => response.request().method() === 'POST');
  await page.goto(`http://127.0.0.1:${evilPort}/`);
  const response = await landed;
  assert.equal(response.status(), 403);
  await page.getByRole('heading', { name: 'This form expired or came from another site' }).waitFor();
  assert.match(await page.locator('body').innerText(), /nothing was changed/);
  assert.equal(
    await page.getByRole('link', { name: 'Back to the page' }).getAttribute('href'),
    '/admin/domains',
  );
  assert.equal(await db().domain.findUnique({ where: { domain: 'forged.example' } }), null);
  await browser.screenshot('admin-cross-site-form');
});
