// My account offers the Apple profile: the link downloads a .mobileconfig for the signed-in
// mailbox (a plist naming its address, the server's host name and the announced ports); signed
// out, the same URL sends the browser to sign in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { XMLValidator } from 'fast-xml-parser';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { httpRequest } from './helpers/http-session';
import { seedSuperAdmin } from './helpers/seed';
import { addDomain, addMailbox } from '../../server/domain';

let app: RunningApp;
let browser: Browser;
const USER = { address: 'fay@example.org', password: 'Fay-Password-2026' };

before(async () => {
  app = await startApp({
    env: { POSTROOM_HOSTNAME: 'mail.example.org', POSTROOM_PUBLIC_SUBMISSION_PORT: '0' },
  });
  await seedSuperAdmin(); // with no admin yet every page leads to the first-run set-up
  await addDomain('example.org');
  await addMailbox({ ...USER, displayName: 'Fay' });
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, USER.address, USER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('the My account link downloads the Apple Mail profile of the signed-in mailbox', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/account`);
  const link = page.getByTestId('mobileconfig-link');
  await link.waitFor();
  await browser.screenshot('account-mobileconfig');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), 'fay@example.org.mobileconfig');
  const profile = readFileSync((await download.path())!, 'utf8');
  assert.equal(XMLValidator.validate(profile), true);
  assert.match(profile, /<key>EmailAddress<\/key>\s*<string>fay@example\.org<\/string>/);
  assert.match(profile, /<key>IncomingMailServerHostName<\/key>\s*<string>mail\.example\.org<\/string>/);
  assert.match(profile, /<key>IncomingMailServerPortNumber<\/key>\s*<integer>993<\/integer>/);
  assert.match(profile, /<key>OutgoingMailServerPortNumber<\/key>\s*<integer>465<\/integer>/);
  assert.match(profile, /<string>com\.apple\.mail\.managed<\/string>/);
});

test('signed out, the profile URL redirects to sign-in and gives nothing away', async () => {
  const answer = await httpRequest(`${app.baseUrl}/account/mobileconfig`);
  assert.equal(answer.status, 303);
  assert.match(String(answer.headers.location), /\/signin/);
  assert.doesNotMatch(answer.body, /plist/);
});
