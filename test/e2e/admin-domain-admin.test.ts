// A domain admin sees and changes only the domains granted: another domain's pages answer 403,
// and a form edited to point at another domain is refused with 403 and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;
const ADMIN = { address: 'boss@mine.test', password: 'Domain-Admin-99' };

before(async () => {
  app = await startApp();
  await seedSuperAdmin();
  await addDomain('mine.test');
  await addDomain('theirs.test');
  await addMailbox({
    address: ADMIN.address,
    password: ADMIN.password,
    role: 'domain_admin',
    manages: ['mine.test'],
  });
  await addMailbox({ address: 'carol@mine.test', password: 'Carol-Password-1' });
  await addMailbox({ address: 'victim@theirs.test', password: 'Victim-Password-1', displayName: 'Victim' });
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, ADMIN.address, ADMIN.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('lists show only the granted domain', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/mailboxes`);
  const text = await page.getByRole('table', { name: 'Mailboxes' }).innerText();
  assert.match(text, /carol@mine\.test/);
  assert.doesNotMatch(text, /theirs\.test/);
  await page.goto(`${app.baseUrl}/admin/mailboxes?domain=theirs.test`);
  await page.getByText('No mailbox matches').waitFor();
  await page.goto(`${app.baseUrl}/admin/domains`);
  assert.doesNotMatch(await page.getByRole('table', { name: 'Domains' }).innerText(), /theirs\.test/);
  await browser.screenshot('admin-domain-admin-mailboxes');
});

test("another domain's pages answer 403", async () => {
  const { page } = browser;
  for (const path of [
    '/admin/mailboxes/victim%40theirs.test',
    '/admin/domains/theirs.test',
    '/admin/domains/theirs.test/dns',
    '/admin/aliases?domain=theirs.test',
    '/admin/access',
    // Queue and Logs show a domain admin their own domains (admin-scope.test.ts).
    '/admin/audit',
    '/admin/settings',
  ]) {
    const response = await page.goto(`${app.baseUrl}${path}`);
    assert.equal(response?.status(), 403, path);
    assert.match(await page.locator('h1').innerText(), /403/);
  }
  await browser.screenshot('admin-domain-admin-403');
});

test("a form edited to reach another domain's mailbox is refused and nothing changes", async () => {
  const { page } = browser;
  const victimBefore = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'victim', domain: 'theirs.test' } },
  });
  const changes = () => db().auditEntry.count({ where: { action: { not: 'access.refused' } } });
  const refusals = () => db().auditEntry.count({ where: { action: 'access.refused', actor: ADMIN.address } });
  const [auditBefore, refusedBefore] = [await changes(), await refusals()];
  await page.goto(`${app.baseUrl}/admin/mailboxes/carol%40mine.test`);
  // Point every hidden address field of the page at the other domain's mailbox (after typing,
  // which re-renders the forms), as someone editing the form in devtools would.
  const tamper = () =>
    page.evaluate(() =>
      document.querySelectorAll<HTMLInputElement>('input[type=hidden][name=address]').forEach((input) => {
        input.value = 'victim@theirs.test';
      }),
    );
  const reset = page.getByTestId('reset-password-form');
  await reset.getByLabel('New password', { exact: true }).fill('Hijacked-Password-1');
  await reset.getByLabel('Repeat new password').fill('Hijacked-Password-1');
  await tamper();
  await reset.getByRole('button', { name: 'Set new password' }).click();
  await reset.getByRole('alert').filter({ hasText: '403 Forbidden' }).waitFor();
  const details = page.getByTestId('mailbox-details-form');
  await details.getByLabel('Display name').fill('Owned');
  await tamper();
  await details.getByRole('button', { name: 'Save details' }).click();
  await details.getByRole('alert').filter({ hasText: '403 Forbidden' }).waitFor();
  const remove = page.getByTestId('remove-mailbox-form');
  await remove.getByRole('checkbox').check();
  await tamper();
  await remove.getByRole('button', { name: 'Remove mailbox' }).click();
  await remove.getByRole('alert').filter({ hasText: '403 Forbidden' }).waitFor();
  await browser.screenshot('admin-domain-admin-form-403');

  await page.goto(`${app.baseUrl}/admin/mailboxes/new`);
  const add = page.getByTestId('add-mailbox-form');
  await add.getByLabel('Address').fill('intruder@theirs.test');
  await add.getByLabel('Password').fill('Intruder-Password-1');
  await add.getByRole('button', { name: 'Add mailbox' }).click();
  await add.getByRole('alert').filter({ hasText: '403 Forbidden' }).waitFor();

  const victimAfter = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'victim', domain: 'theirs.test' } },
  });
  assert.deepEqual(victimAfter, victimBefore);
  assert.equal(await db().user.count({ where: { domain: 'theirs.test' } }), 1);
  assert.equal(await changes(), auditBefore, 'no change in the audit log: nothing happened');
  assert.equal(await refusals(), refusedBefore + 4, 'each refused attempt is in the audit log');
  const carol = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'carol', domain: 'mine.test' } },
  });
  assert.equal(carol.displayName, '', "the form's own mailbox was not changed either");
});

test('a plain user gets 403 on the console', async () => {
  const { page, context } = browser;
  await context.clearCookies();
  await signIn(page, app.baseUrl, 'carol@mine.test', 'Carol-Password-1');
  assert.equal(new URL(page.url()).pathname, '/mail');
  const response = await page.goto(`${app.baseUrl}/admin/mailboxes`);
  assert.equal(response?.status(), 403);
});

test('a super admin grants a domain admin another domain from the mailbox page', async () => {
  const { page, context } = browser;
  await context.clearCookies();
  await signIn(page, app.baseUrl, SUPER.address, SUPER.password);
  await page.goto(`${app.baseUrl}/admin/mailboxes/boss%40mine.test`);
  const form = page.getByTestId('mailbox-details-form');
  await form.getByLabel('Manages domains').fill('mine.test, nowhere.test');
  await form.getByRole('button', { name: 'Save details' }).click();
  await form.locator('[data-field-error="manages"]').waitFor();
  await form.getByLabel('Manages domains').fill('mine.test, theirs.test');
  await form.getByRole('button', { name: 'Save details' }).click();
  await form.getByRole('status').filter({ hasText: 'Details saved' }).waitFor();
  const grants = await db().domainAdmin.findMany({
    where: { user: { local: 'boss', domain: 'mine.test' } },
    include: { domainR: true },
  });
  assert.deepEqual(grants.map((g) => g.domainR.domain).sort(), ['mine.test', 'theirs.test']);
});
