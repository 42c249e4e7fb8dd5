// App passwords made in chromium (My account), used by real mail clients against the running
// worker: imapflow over IMAPS, Python's poplib over POP3S, nodemailer on the submission port with
// STARTTLS. Shown once; the account password is refused by all three once two-factor is on; an
// IMAP-only one is refused by SMTP; a revoked one is refused; the page shows each one's last use.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin } from './helpers/seed';
import { enrolTotp } from './helpers/two-factor';
import { addDomain, addMailbox } from '../../server/domain';

let app: RunningApp;
let browser: Browser;
const USER = { address: 'gus@example.org', password: 'Gus-Password-2026' };

before(async () => {
  // One worker process: a cluster's start can outlast the helper's 30 s on a loaded machine.
  app = await startApp({ worker: true, env: { POSTROOM_AUTH_PENALTY_MS: '0', POSTROOM_WORKERS: '1' } });
  await seedSuperAdmin(); // with no admin yet every page leads to the first-run set-up
  await addDomain('example.org');
  await addMailbox(USER);
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, USER.address, USER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

async function imapLogin(pass: string): Promise<boolean> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: app.workerPorts.imaps!,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: USER.address, pass },
    logger: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch {
    return false;
  }
}

function pop3Login(password: string): Promise<boolean> {
  const script = `
import poplib, ssl, sys
client = poplib.POP3_SSL('127.0.0.1', int(sys.argv[1]), context=ssl._create_unverified_context())
client.user(sys.argv[2])
try:
    client.pass_(sys.argv[3])
    print('OK')
except poplib.error_proto as error:
    print(error.args[0].decode())
`;
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, String(app.workerPorts.pop3s), USER.address, password]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim() === 'OK'));
  });
}

async function smtpLogin(pass: string): Promise<boolean> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: app.workerPorts.submission!,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: USER.address, pass },
  });
  try {
    await transport.verify();
    return true;
  } catch {
    return false;
  } finally {
    transport.close();
  }
}

async function createAppPassword(name: string, protocols: string[]): Promise<string> {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/account`);
  const form = page.getByTestId('app-password-form');
  await form.getByLabel('Name').fill(name);
  for (const [value, label] of [
    ['imap', 'IMAP'],
    ['pop3', 'POP3'],
    ['smtp', 'SMTP (sending)'],
  ] as const)
    await form.getByLabel(label, { exact: true }).setChecked(protocols.includes(value));
  await form.getByRole('button', { name: 'Create app password' }).click();
  const shown = page.getByTestId('new-app-password');
  await shown.waitFor();
  return (await shown.textContent())!.trim();
}

test('an app password is shown once and works on IMAP, POP3 and SMTP; with two-factor on the account password does not', async () => {
  const { page } = browser;
  const password = await createAppPassword('Thunderbird', ['imap', 'pop3', 'smtp']);
  assert.match(password, /^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);
  await browser.screenshot('app-password-created');
  await page.reload();
  await page.locator('[data-app-password="Thunderbird"]').waitFor();
  assert.equal(await page.getByTestId('new-app-password').count(), 0, 'shown only once');
  assert.doesNotMatch(await page.content(), new RegExp(password));

  // Before two-factor both passwords work.
  assert.equal(await imapLogin(USER.password), true);
  assert.equal(await imapLogin(password), true);

  await enrolTotp(page, app.baseUrl);
  assert.equal(await imapLogin(USER.password), false, 'IMAP refuses the account password');
  assert.equal(await pop3Login(USER.password), false, 'POP3 refuses the account password');
  assert.equal(await smtpLogin(USER.password), false, 'SMTP refuses the account password');
  assert.equal(await imapLogin(password), true, 'IMAP takes the app password');
  assert.equal(await pop3Login(password), true, 'POP3 takes the app password');
  assert.equal(await smtpLogin(password), true, 'SMTP takes the app password');

  await page.goto(`${app.baseUrl}/account`);
  const row = page.locator('[data-app-password="Thunderbird"]');
  await row.getByTestId('app-password-last-used').filter({ hasText: '127.0.0.1' }).waitFor();
  await browser.screenshot('app-passwords-last-use');
});

test('an IMAP-only app password is refused by SMTP and POP3; a revoked one is refused by all', async () => {
  const { page } = browser;
  const reader = await createAppPassword('Reader', ['imap']);
  assert.equal(await imapLogin(reader), true);
  assert.equal(await smtpLogin(reader), false);
  assert.equal(await pop3Login(reader), false);

  await page.goto(`${app.baseUrl}/account`);
  await page.getByRole('button', { name: 'Revoke Reader' }).click();
  await page.locator('[data-app-password="Reader"]').waitFor({ state: 'detached' });
  assert.equal(await imapLogin(reader), false);
});
