// Passkeys as the second factor, in chromium with its virtual authenticator (CDP WebAuthn domain:
// CTAP2, internal, resident keys, user verified): registered in My account, then the sign-in's
// second step takes the passkey instead of a code. WebAuthn needs a host name (an IP address is no
// relying party ID), so the browser uses localhost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CDPSession } from 'playwright-core';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin } from './helpers/seed';
import { signInPassword } from './helpers/two-factor';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { authenticate } from '../../server/auth/login';

let app: RunningApp;
let browser: Browser;
let baseUrl: string;
let cdp: CDPSession;
let authenticatorId: string;
const USER = { address: 'hal@example.org', password: 'Hal-Password-2026' };

before(async () => {
  // No NEXTAUTH_URL: the console then answers on the host the browser used (localhost).
  app = await startApp({ env: { POSTROOM_AUTH_PENALTY_MS: '0' }, unsetEnv: ['NEXTAUTH_URL'] });
  baseUrl = app.baseUrl.replace('127.0.0.1', 'localhost');
  await seedSuperAdmin(); // with no admin yet every page leads to the first-run set-up
  await addDomain('example.org');
  await addMailbox(USER);
  browser = await openBrowser();
  cdp = await browser.context.newCDPSession(browser.page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  }));
});
after(async () => {
  await browser?.close();
  await app?.close();
});

async function signedInAs(): Promise<string | null> {
  const answer = await browser.page.request.get(`${baseUrl}/api/auth/session`);
  return ((await answer.json()) as { user?: { email?: string } }).user?.email ?? null;
}

test('a passkey registered in My account signs in as the second step', async () => {
  const { page, context } = browser;
  await signIn(page, baseUrl, USER.address, USER.password);
  await page.goto(`${baseUrl}/account`);
  const form = page.getByTestId('add-passkey');
  await form.getByLabel('Passkey name').fill('Laptop');
  await form.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByTestId('passkeys').getByText('Laptop').waitFor();
  await page.getByTestId('two-factor').getByText('on', { exact: true }).waitFor();
  await browser.screenshot('passkey-registered');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  const stored = await db().passkey.findFirstOrThrow({ where: { name: 'Laptop' } });
  assert.equal(
    stored.credentialId,
    credentials[0]!.credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  );
  // A second factor is on: mail protocols now want an app password.
  assert.equal(
    (await authenticate({ username: USER.address, password: USER.password, protocol: 'imap' })).ok,
    false,
  );

  await context.clearCookies();
  await signInPassword(page, baseUrl, USER.address, USER.password);
  const useKey = page.getByRole('button', { name: 'Use a passkey' });
  await useKey.waitFor();
  assert.equal(await page.getByLabel('Authentication code').count(), 0, 'no TOTP set up, so no code field');
  await browser.screenshot('passkey-second-step');
  assert.equal(await signedInAs(), null);
  await useKey.click();
  await page.waitForURL((url) => url.pathname === '/account');
  assert.equal(await signedInAs(), USER.address);
  const used = await db().passkey.findFirstOrThrow({ where: { name: 'Laptop' } });
  assert.ok(used.lastUsedAt, 'the passkey’s use is recorded');
});
