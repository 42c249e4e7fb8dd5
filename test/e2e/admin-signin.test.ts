// Setup page on an empty database, its lock, sign-in and sign-out in a real browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, type Browser } from './helpers/browser';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startApp();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const ADMIN = 'postmaster@setup.test';
const PASSWORD = 'Correct-Horse-42';

test('an empty database leads to the setup page, which makes the first super admin and locks itself', async () => {
  const { page } = browser;
  await page.goto(app.baseUrl);
  await page.waitForURL('**/setup');
  await page.getByLabel('Admin address').fill(ADMIN);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Repeat password').fill('short');
  await page.getByRole('button', { name: 'Create super admin' }).click();
  await page.locator('[data-field-error="password"]').waitFor();
  assert.match(await page.locator('[data-field-error="password"]').innerText(), /at least 10 characters/);
  await browser.screenshot('admin-setup-error');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create super admin' }).click();
  await page.getByRole('status').filter({ hasText: 'super admin' }).waitFor();
  const locked = await page.goto(`${app.baseUrl}/setup`);
  assert.equal(locked?.status(), 404);
});

test('a wrong password is refused with a message; the right one signs in with a safe cookie', async () => {
  const { page, context } = browser;
  await page.goto(`${app.baseUrl}/signin`);
  await page.getByLabel('Email address').fill(ADMIN);
  await page.getByLabel('Password').fill('Wrong-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong address or password' }).waitFor();
  await browser.screenshot('admin-signin-refused');
  // Keyboard only: the address field has focus, Tab moves on, Enter submits. The button is enabled
  // once the page is interactive; before that Enter does nothing (no native GET with the password).
  const served = await (await fetch(`${app.baseUrl}/signin`)).text();
  assert.match(served, /<form[^>]*method="post"/, 'never a GET form that would put the password in the URL');
  assert.match(
    served,
    /<button type="submit"[^>]*disabled/,
    'the served button waits for the page to be interactive',
  );
  await page.goto(`${app.baseUrl}/signin`);
  await page.locator('button[type="submit"]:enabled').waitFor();
  await page.keyboard.type(ADMIN);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.pathname === '/admin');
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused control shows a focus ring');
  const cookie = (await context.cookies()).find((c) => c.name.endsWith('next-auth.session-token'));
  assert.ok(cookie, 'session cookie set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.ok(
    cookie.expires > Date.now() / 1000 && cookie.expires < Date.now() / 1000 + 8 * 3600 + 60,
    'session expires within 8 hours',
  );
});

test('signing out ends the session: the console asks to sign in again', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin**');
  await page.goto(`${app.baseUrl}/admin/domains`);
  await page.waitForURL(/\/signin\?callbackUrl=%2Fadmin%2Fdomains/);
});
