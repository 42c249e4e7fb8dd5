// The console's "Add from CSV": a super admin uploads a CSV file; good rows become mailboxes,
// refused rows say why, line by line. Also the webmail's mbox download of a folder (the route
// behind "Download this folder as mbox"), which needs only the signed-in session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { db } from '../../server/core/db';
import { addDomain } from '../../server/domain';
import { verifyPassword } from '../../server/auth/password';
import { appendMessage, findFolder } from '../../server/store';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startApp();
  await seedSuperAdmin();
  await addDomain('bulk.test');
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const CSV = [
  'address,name,quota,password',
  'ann@bulk.test,"Lee, Ann",2G,Ann-long-password-1',
  'ben@bulk.test,Ben,,short',
  'cat@nowhere.test,Cat,1G,Cat-long-password-2',
  'dan@bulk.test,Dan,lots,Dan-long-password-3',
  'ann@bulk.test,Ann again,,Ann-long-password-1',
  'eve@bulk.test,Eve,500M,Eve-long-password-4',
].join('\n');

test('a CSV upload creates the good rows and lists each refused row with its reason', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/mailboxes`);
  await page.getByRole('link', { name: 'Add from CSV' }).click();
  await page.getByRole('heading', { name: 'Add mailboxes from CSV' }).waitFor();
  await page
    .getByLabel('CSV file')
    .setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await page.getByRole('button', { name: 'Create mailboxes' }).click();
  await page.getByRole('status').filter({ hasText: '2 created, 4 refused.' }).waitFor();
  const table = page.getByRole('table', { name: 'Bulk results' });
  const row = (line: number) => table.locator(`tr[data-line="${line}"]`);
  assert.equal(await row(2).getAttribute('data-ok'), 'yes');
  assert.match(await row(3).innerText(), /password: must be at least 10 characters/);
  assert.match(await row(4).innerText(), /nowhere\.test is not a domain here/);
  assert.match(await row(5).innerText(), /quota/);
  assert.match(await row(6).innerText(), /already exists/);
  assert.equal(await row(7).getAttribute('data-ok'), 'yes');
  await browser.screenshot('console-bulk-mailboxes');

  const ann = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'ann', domain: 'bulk.test' } },
  });
  assert.equal(ann.displayName, 'Lee, Ann');
  assert.equal(ann.quotaBytes, 2n * 1024n ** 3n);
  assert.equal(await verifyPassword('Ann-long-password-1', ann.passwordHash), true);
  assert.equal(await db().user.count({ where: { domain: 'bulk.test' } }), 2);
  const audit = await db().auditEntry.findFirst({
    where: { action: 'mailbox.add', objectId: 'eve@bulk.test' },
  });
  assert.equal(audit?.actor, SUPER.address);
});

test('pasted rows work too; an empty or unreadable submission gets a plain error', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/mailboxes/bulk`);
  // (Next's route announcer is an empty role=alert too: look for the form's own error.)
  const fileError = page.locator('[data-field-error="file"]');
  await page.getByRole('button', { name: 'Create mailboxes' }).click();
  await fileError.filter({ hasText: /has no mailbox rows/ }).waitFor();
  await page.getByLabel('Or paste the rows').fill('"fay@bulk.test,Fay,,Fay-long-password-5');
  await page.getByRole('button', { name: 'Create mailboxes' }).click();
  await fileError.filter({ hasText: /not a readable CSV file/ }).waitFor();
  await page.getByLabel('Or paste the rows').fill('fay@bulk.test,Fay,,Fay-long-password-5');
  await page.getByRole('button', { name: 'Create mailboxes' }).click();
  await page.getByRole('status').filter({ hasText: '1 created, 0 refused.' }).waitFor();
  assert.ok(await db().user.findUnique({ where: { local_domain: { local: 'fay', domain: 'bulk.test' } } }));
});

test("the webmail's mbox download streams the signed-in mailbox's folder", async () => {
  const admin = await db().user.findFirstOrThrow({ where: { local: 'admin', domain: 'console.test' } });
  const inbox = (await findFolder(admin.id, 'INBOX'))!;
  await appendMessage(
    Buffer.from('From: a@b.test\r\nSubject: Kept\r\n\r\nFrom here on, quoted.\r\n'),
    [{ folderId: inbox.id, flags: { seen: true } }],
    { internalDate: new Date('2026-04-05T06:07:08Z') },
  );
  const answer = await browser.page.request.get(`${app.baseUrl}/api/mail/export?folder=INBOX`);
  assert.equal(answer.status(), 200);
  assert.equal(answer.headers()['content-type'], 'application/mbox');
  assert.match(answer.headers()['content-disposition'] ?? '', /attachment; filename="?INBOX\.mbox/);
  const text = await answer.text();
  assert.match(
    text,
    /^From MAILER-DAEMON Sun Apr {2}5 06:07:08 2026\nFrom: a@b\.test\nSubject: Kept\nStatus: RO\n\n>From here on/,
  );
  const missing = await browser.page.request.get(`${app.baseUrl}/api/mail/export?folder=Nope`);
  assert.equal(missing.status(), 404);
  const context = await browser.page.context().browser()!.newContext();
  const anonymous = await context.request.get(`${app.baseUrl}/api/mail/export?folder=INBOX`);
  assert.equal(anonymous.status(), 401);
  await context.close();
});
