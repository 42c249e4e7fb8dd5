// A user's own page: quota, forwarding through aliases (loops refused), and a password change
// that ends the old session. Sign-in failures through the web are throttled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin } from './helpers/seed';
import { addMailbox, expandAddress, SYSTEM_ACTOR } from '../../server/domain';
import { setForwarding } from '../../server/domain/forwarding';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;
const USER = { address: 'dora@console.test', password: 'Dora-Password-11' };

before(async () => {
  app = await startApp();
  await seedSuperAdmin();
  await addMailbox({ ...USER, quota: '10M' });
  await addMailbox({ address: 'ed@console.test', password: 'Ed-Password-111' });
  // ed's mail goes to dora (a mailbox's own address takes forwarding, not an alias).
  await setForwarding('ed@console.test', ['dora@console.test'], false, SYSTEM_ACTOR);
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, USER.address, USER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('a user lands in the webmail; My account from there shows the quota', async () => {
  const { page } = browser;
  assert.equal(new URL(page.url()).pathname, '/mail');
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'My account' }).click();
  await page.waitForURL((url) => url.pathname === '/account');
  assert.match(
    await page.getByRole('meter', { name: 'Storage used' }).locator('..').innerText(),
    /0 B of 10 MB \(0%\)/,
  );
});

test('forwarding is saved as aliases, and a loop is refused', async () => {
  const { page } = browser;
  const form = page.getByTestId('forwarding-form');
  await form.getByLabel('Forward my mail to').fill('dora.private@elsewhere.example');
  await form.getByLabel('Keep a copy in this mailbox').check();
  await form.getByRole('button', { name: 'Save forwarding' }).click();
  await page.getByRole('status').filter({ hasText: 'forwarded to dora.private@elsewhere.example' }).waitFor();
  const expansion = await expandAddress(USER.address);
  assert.deepEqual(expansion.external, ['dora.private@elsewhere.example']);
  assert.deepEqual(
    expansion.mailboxes.map((m) => m.address),
    [USER.address],
  );

  await form.getByLabel('Forward my mail to').fill('ed@console.test');
  await form.getByLabel('Keep a copy in this mailbox').uncheck();
  await form.getByRole('button', { name: 'Save forwarding' }).click();
  await form.locator('[data-field-error="destinations"]').waitFor();
  assert.match(await form.locator('[data-field-error="destinations"]').innerText(), /loop/);
  assert.deepEqual(
    (await expandAddress(USER.address)).external,
    ['dora.private@elsewhere.example'],
    'the previous forwarding stays',
  );
  await browser.screenshot('admin-account');
});

test('changing the password needs the current one and ends the session', async () => {
  const { page } = browser;
  const form = page.getByTestId('own-password-form');
  await form.getByLabel('Current password').fill('not-my-password-1');
  await form.getByLabel('New password', { exact: true }).fill('Dora-New-Password-2');
  await form.getByLabel('Repeat new password').fill('Dora-New-Password-2');
  await form.getByRole('button', { name: 'Change password' }).click();
  await form.locator('[data-field-error="current"]').waitFor();
  await form.getByLabel('Current password').fill(USER.password);
  await form.getByLabel('New password', { exact: true }).fill('Dora-New-Password-2');
  await form.getByLabel('Repeat new password').fill('Dora-New-Password-2');
  await form.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
  await page.goto(`${app.baseUrl}/account`);
  await page.waitForURL('**/signin**');
  await signIn(page, app.baseUrl, USER.address, 'Dora-New-Password-2');
  assert.equal(new URL(page.url()).pathname, '/mail');
});

test('repeated wrong passwords on the sign-in page are throttled, even before the right one', async () => {
  const { page, context } = browser;
  await context.clearCookies();
  await page.goto(`${app.baseUrl}/signin`);
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.getByLabel('Email address').fill('ed@console.test');
    await page.getByLabel('Password').fill(`wrong-${attempt}-Password`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Each refusal is one row in the shared failure table (the account's counter; the answer
    // itself may wait for the failing address's growing penalty delay).
    const deadline = Date.now() + 60_000;
    while ((await db().authFailure.count({ where: { key: 'acct:ed@console.test' } })) < attempt + 1) {
      assert.ok(Date.now() < deadline, `failure ${attempt + 1} was never recorded`);
      await page.waitForTimeout(50);
    }
    await page.getByRole('alert').filter({ hasText: 'Wrong address or password' }).waitFor();
  }
  await page.getByLabel('Password').fill('Ed-Password-111');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Too many failed sign-ins' }).waitFor();
  assert.match(new URL(page.url()).pathname, /^\/signin/);
  await browser.screenshot('admin-signin-throttled');
});
