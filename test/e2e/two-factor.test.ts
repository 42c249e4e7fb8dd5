// Two-factor sign-in in chromium: enrolling an authenticator app in My account (the secret read off
// the page, codes computed with otplib), then signing in needs a code; wrong codes are refused and
// then throttled (the right one too); a recovery code works once; a domain that requires two-factor
// makes its mailboxes enrol at their next sign-in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { enrolTotp, signInPassword, submitCode, totpCode } from './helpers/two-factor';
import { addDomain, addMailbox } from '../../server/domain';

let app: RunningApp;
let browser: Browser;
const ANNA = { address: 'anna@example.org', password: 'Anna-Password-2026' };
const BEN = { address: 'ben@example.org', password: 'Ben-Password-2026' };
const CORA = { address: 'cora@required.example', password: 'Cora-Password-2026' };

before(async () => {
  app = await startApp({
    env: {
      POSTROOM_AUTH_PENALTY_MS: '0',
      POSTROOM_AUTH_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '4',
    },
  });
  await seedSuperAdmin();
  await addDomain('example.org');
  await addDomain('required.example');
  for (const user of [ANNA, BEN, CORA]) await addMailbox(user);
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

async function signedInAs(): Promise<string | null> {
  const answer = await browser.page.request.get(`${app.baseUrl}/api/auth/session`);
  const session = (await answer.json()) as { user?: { email?: string } };
  return session.user?.email ?? null;
}

test('after enrolling, signing in asks for the code: a wrong one is refused, the right one signs in', async () => {
  const { page, context } = browser;
  await signIn(page, app.baseUrl, ANNA.address, ANNA.password);
  const { secret, recoveryCodes } = await enrolTotp(page, app.baseUrl);
  assert.equal(recoveryCodes.length, 10);
  await browser.screenshot('two-factor-enrolled');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByTestId('two-factor').getByText('on', { exact: true }).waitFor();

  await context.clearCookies();
  await signInPassword(page, app.baseUrl, ANNA.address, ANNA.password);
  await page.getByLabel('Authentication code').waitFor();
  await browser.screenshot('two-factor-second-step');
  assert.equal(await signedInAs(), null, 'the password alone signs nobody in');
  await submitCode(page, '000000');
  await page.getByRole('alert').filter({ hasText: 'Wrong code.' }).waitFor();
  assert.equal(await signedInAs(), null);
  // The enrolment spent the current step: the next one (the server allows one step of drift).
  await submitCode(page, await totpCode(secret, 1));
  await page.waitForURL((url) => url.pathname === '/account');
  assert.equal(await signedInAs(), ANNA.address);
});

test('wrong codes are throttled like passwords: after the limit even the right code is refused', async () => {
  const { page, context } = browser;
  await context.clearCookies();
  await signIn(page, app.baseUrl, BEN.address, BEN.password);
  const { secret } = await enrolTotp(page, app.baseUrl);
  await context.clearCookies();
  await signInPassword(page, app.baseUrl, BEN.address, BEN.password);
  for (let attempt = 0; attempt < 4; attempt++) {
    await submitCode(page, `12345${attempt}`);
    await page.getByRole('alert').filter({ hasText: 'Wrong code.' }).waitFor();
  }
  await submitCode(page, await totpCode(secret, 1));
  await page.getByRole('alert').filter({ hasText: 'Too many wrong codes' }).waitFor();
  assert.equal(await signedInAs(), null);
});

test('a recovery code signs in once, and is refused the second time', async () => {
  const { page, context } = browser;
  await context.clearCookies();
  await signIn(page, app.baseUrl, CORA.address, CORA.password);
  const { recoveryCodes } = await enrolTotp(page, app.baseUrl);
  const code = recoveryCodes[3]!;
  await context.clearCookies();
  await signInPassword(page, app.baseUrl, CORA.address, CORA.password);
  await submitCode(page, code);
  await page.waitForURL((url) => url.pathname === '/account');
  assert.equal(await signedInAs(), CORA.address);
  await page.getByTestId('two-factor').getByText('9 unused recovery code(s) left').waitFor();

  await context.clearCookies();
  await signInPassword(page, app.baseUrl, CORA.address, CORA.password);
  await submitCode(page, code);
  await page.getByRole('alert').filter({ hasText: 'Wrong code.' }).waitFor();
  assert.equal(await signedInAs(), null);
});

test('a domain that requires two-factor makes its mailboxes enrol at the next sign-in', async () => {
  const { page, context } = browser;
  const dora = { address: 'dora@required.example', password: 'Dora-Password-2026' };
  await addMailbox(dora);
  await context.clearCookies();
  await signIn(page, app.baseUrl, SUPER.address, SUPER.password);
  await page.goto(`${app.baseUrl}/admin/domains/required.example`);
  await page.getByRole('button', { name: 'Require two-factor' }).click();
  await page.getByTestId('domain-two-factor').getByText('required', { exact: true }).waitFor();
  await browser.screenshot('two-factor-domain-required');

  await context.clearCookies();
  await signInPassword(page, app.baseUrl, dora.address, dora.password);
  await page.getByTestId('two-factor-enrol').waitFor();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await browser.screenshot('two-factor-forced-enrolment');
  assert.equal(await signedInAs(), null, 'no session before the enrolment is done');
  await page.getByLabel('Code from the app').fill('999999');
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong code' }).waitFor();
  await page.getByLabel('Code from the app').fill(await totpCode(secret));
  await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
  await page.getByTestId('recovery-codes').waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/account');
  assert.equal(await signedInAs(), dora.address);
  await page.getByTestId('two-factor').getByText('required by your domain').waitFor();
  // And the next sign-in asks for a code like any enrolled account.
  await context.clearCookies();
  await signInPassword(page, app.baseUrl, dora.address, dora.password);
  await page.getByLabel('Authentication code').waitFor();
});
