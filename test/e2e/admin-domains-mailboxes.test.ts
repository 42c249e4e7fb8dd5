// A super admin adds a domain and a mailbox through the console, then that mailbox logs in
// over IMAP and receives a message sent by SMTP; removal of a domain with mailboxes needs a confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startApp({ worker: process.env.POSTROOM_E2E_NO_WORKER !== '1' });
  await seedSuperAdmin();
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('add a domain through the form; a bad name gets a field error', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/domains`);
  const form = page.getByTestId('add-domain-form');
  await form.getByLabel('Domain name').fill('not a domain');
  await form.getByRole('button', { name: 'Add domain' }).click();
  await page.locator('[data-field-error="domain"]').waitFor();
  assert.match(await page.locator('[data-field-error="domain"]').innerText(), /not a valid domain name/);
  await form.getByLabel('Domain name').fill('Shop.Example');
  await form.getByRole('button', { name: 'Add domain' }).click();
  await page.getByRole('status').filter({ hasText: 'Added shop.example' }).waitFor();
  await page.getByRole('table', { name: 'Domains' }).getByRole('link', { name: 'shop.example' }).waitFor();
  await browser.screenshot('admin-domains');
  assert.ok(await db().domain.findUnique({ where: { domain: 'shop.example' } }));
  const audit = await db().auditEntry.findFirst({
    where: { action: 'domain.add', objectId: 'shop.example' },
  });
  assert.equal(audit?.actor, SUPER.address);
});

test('the DNS page lists the records with a badge each', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/domains/shop.example/dns`);
  const table = page.getByRole('table', { name: 'DNS records' });
  await table.waitFor();
  const text = await table.innerText();
  for (const needle of [
    'MX',
    'v=spf1 mx -all',
    '_dmarc.shop.example',
    '_mta-sts.shop.example',
    'autoconfig.shop.example',
  ])
    assert.ok(text.includes(needle), needle);
  await page.getByRole('button', { name: 'Make a key' }).click();
  await page.getByRole('status').filter({ hasText: 'New DKIM key' }).waitFor();
  assert.match(await table.innerText(), /v=DKIM1; k=rsa; p=MII/);
  await browser.screenshot('admin-dns');
});

test('add a mailbox through the form, then it logs in over IMAP', async (t) => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/mailboxes/new`);
  const form = page.getByTestId('add-mailbox-form');
  await form.getByLabel('Address').fill('alice@shop.example');
  await form.getByLabel('Display name').fill('Alice Shop');
  await form.getByLabel('Password').fill('weak');
  assert.match(await form.locator('[data-strength]').innerText(), /Too weak/);
  await form.getByRole('button', { name: 'Add mailbox' }).click();
  await page.locator('[data-field-error="password"]').waitFor();
  assert.match(await page.locator('[data-field-error="password"]').innerText(), /at least 10 characters/);
  assert.equal(
    await form.getByLabel('Address').inputValue(),
    'alice@shop.example',
    'the form keeps what was typed',
  );
  await browser.screenshot('admin-mailbox-field-error');
  await form.getByLabel('Password').fill('Alice-Password-77');
  await form.getByLabel('Quota').fill('1G');
  await form.getByRole('button', { name: 'Add mailbox' }).click();
  await page.waitForURL('**/admin/mailboxes/alice%40shop.example?created=1');
  await page.getByRole('status').filter({ hasText: 'created' }).waitFor();
  await browser.screenshot('admin-mailbox');
  const row = await db().user.findUnique({
    where: { local_domain: { local: 'alice', domain: 'shop.example' } },
  });
  assert.equal(row?.quotaBytes, 1024n ** 3n);

  await page.goto(`${app.baseUrl}/admin/mailboxes?q=alice`);
  await page
    .getByRole('table', { name: 'Mailboxes' })
    .getByRole('link', { name: 'alice@shop.example' })
    .waitFor();
  await browser.screenshot('admin-mailboxes');

  const imapPort = app.workerPorts.imap;
  if (!imapPort) {
    t.diagnostic('mail worker not running: IMAP login not checked');
    return;
  }
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: imapPort,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@shop.example', pass: 'Alice-Password-77' },
    logger: false,
  });
  await client.connect();
  const inbox = await client.status('INBOX', { messages: true });
  assert.ok(inbox && inbox.messages === 0, 'a new mailbox starts with an empty INBOX');
  // Mail sent to the new mailbox over SMTP arrives in its INBOX.
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: app.workerPorts.smtp,
    secure: false,
    tls: { rejectUnauthorized: false },
  });
  await transport.sendMail({
    from: 'friend@elsewhere.example',
    to: 'alice@shop.example',
    subject: 'Welcome Alice',
    text: 'Your new mailbox works.',
  });
  transport.close();
  const lock = await client.getMailboxLock('INBOX');
  try {
    const message = await client.fetchOne('*', { envelope: true });
    assert.ok(message);
    assert.equal(message.envelope?.subject, 'Welcome Alice');
  } finally {
    lock.release();
  }
  await client.logout();
});

test('a disabled mailbox can no longer log in over IMAP', async (t) => {
  const { page } = browser;
  if (!app.workerPorts.imap) return t.skip('mail worker not running');
  await page.goto(`${app.baseUrl}/admin/mailboxes/alice%40shop.example`);
  await page.getByRole('button', { name: 'Disable mailbox' }).click();
  await page.getByRole('status').filter({ hasText: 'Mailbox disabled' }).waitFor();
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: app.workerPorts.imap,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@shop.example', pass: 'Alice-Password-77' },
    logger: false,
  });
  await assert.rejects(client.connect());
  await page.getByRole('button', { name: 'Enable mailbox' }).click();
  await page.getByRole('status').filter({ hasText: 'Mailbox enabled' }).waitFor();
});

test('an alias with two destinations is saved; one that closes a loop is refused', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/aliases`);
  const form = page.getByTestId('add-alias-form');
  await form.getByLabel('Source address').fill('sales@shop.example');
  await form.getByLabel('Destinations').fill('alice@shop.example\npartner@elsewhere.example');
  await form.getByRole('button', { name: 'Add alias' }).click();
  await page.getByRole('status').filter({ hasText: 'sales@shop.example now goes to' }).waitFor();
  // (alice@shop.example is a mailbox, which takes forwarding rather than an alias: info closes the loop.)
  await form.getByLabel('Source address').fill('info@shop.example');
  await form.getByLabel('Destinations').fill('sales@shop.example');
  await form.getByRole('button', { name: 'Add alias' }).click();
  await page.getByRole('status').filter({ hasText: 'info@shop.example now goes to' }).waitFor();
  await form.getByLabel('Source address').fill('sales@shop.example');
  await form.getByLabel('Destinations').fill('info@shop.example');
  await form.getByRole('button', { name: 'Add alias' }).click();
  await form.locator('[data-field-error="destinations"]').waitFor();
  assert.match(await form.locator('[data-field-error="destinations"]').innerText(), /loop/);
  assert.equal(
    await db().alias.count({
      where: { sourceLocal: 'sales', sourceDomain: 'shop.example', destinationLocal: 'info' },
    }),
    0,
  );
  assert.match(await page.getByRole('table', { name: 'Aliases' }).innerText(), /partner@elsewhere\.example/);
  await browser.screenshot('admin-aliases');
});

test('the audit log shows who changed what', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/audit`);
  const table = page.getByRole('table', { name: 'Audit log' });
  const text = await table.innerText();
  for (const action of ['domain.add', 'mailbox.add', 'alias.add']) assert.ok(text.includes(action), action);
  assert.ok(text.includes(SUPER.address));
  await browser.screenshot('admin-audit');
});

test('on a phone the console folds its menu and stays usable', async () => {
  const { page } = browser;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${app.baseUrl}/admin/mailboxes`);
  await page.getByText('Menu', { exact: true }).click();
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: 'Domains' })
    .first()
    .waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling of the page (${overflow}px)`);
  await browser.screenshot('admin-phone-mailboxes');
  await page.setViewportSize({ width: 1280, height: 860 });
});

test('removing a domain that has mailboxes needs the confirmation box', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/domains/shop.example`);
  const form = page.getByTestId('remove-domain-form');
  await form.getByRole('button', { name: 'Remove domain' }).click();
  await form.locator('[data-field-error="domain"]').waitFor();
  assert.match(await form.locator('[data-field-error="domain"]').innerText(), /still has 1 mailbox/);
  assert.ok(
    await db().domain.findUnique({ where: { domain: 'shop.example' } }),
    'nothing removed without confirmation',
  );
  await browser.screenshot('admin-domain-remove-refused');
  await form.getByLabel(/also delete its 1 mailbox/).check();
  await form.getByRole('button', { name: 'Remove domain' }).click();
  await page.waitForURL('**/admin/domains?removed=shop.example');
  assert.equal(await db().domain.findUnique({ where: { domain: 'shop.example' } }), null);
  assert.equal(await db().user.count({ where: { domain: 'shop.example' } }), 0);
});
