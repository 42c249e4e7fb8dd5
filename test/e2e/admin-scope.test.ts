// What the console shows: a domain admin's Queue and Logs hold their own domains and nothing
// else (a reach for another's is a 403 in the audit log), IDN domains read in Unicode, the
// mailbox search takes % and _ literally, Settings marks every bad field, and a journey is in
// true order with milliseconds where events share a second and details as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { addDomain, addMailbox } from '../../server/domain';
import { recordEvent } from '../../server/core/events';
import { enqueueMessage } from '../../server/queue';
import { db } from '../../server/core/db';

let app: RunningApp;
let admin: Browser;
let boss: Browser;
const BOSS = { address: 'boss@mine.test', password: 'Domain-Admin-99' };
let ours = '';
let theirs = '';

before(async () => {
  app = await startApp();
  await seedSuperAdmin();
  await addDomain('mine.test');
  await addDomain('theirs.test');
  await addDomain('münchen.example');
  await addMailbox({
    address: BOSS.address,
    password: BOSS.password,
    role: 'domain_admin',
    manages: ['mine.test'],
  });
  await addMailbox({ address: 'carol@mine.test', password: 'Carol-Password-1' });
  await addMailbox({ address: 'victim@theirs.test', password: 'Victim-Password-1' });
  await addMailbox({ address: 'anna@münchen.example', password: 'Anna-Password-11' });
  await addMailbox({ address: 'a_b@mine.test', password: 'Ab-Password-111', displayName: '100% real' });
  const content = Buffer.from('From: x@y\r\nSubject: s\r\n\r\nhello\r\n');
  ours = await enqueueMessage({ sender: 'carol@mine.test', recipients: ['far@remote.example'], content });
  theirs = await enqueueMessage({
    sender: 'victim@theirs.test',
    recipients: ['far@remote.example'],
    content,
  });
  await recordEvent({
    protocol: 'queue',
    action: 'deferred',
    result: 'deferred',
    queueId: ours,
    user: 'carol@mine.test',
  });
  await recordEvent({
    protocol: 'queue',
    action: 'deferred',
    result: 'deferred',
    queueId: theirs,
    user: 'victim@theirs.test',
    detail: { secret: 'victim-only' },
  });
  await recordEvent({ protocol: 'imap', action: 'auth', result: 'ok', user: 'victim@theirs.test' });
  admin = await openBrowser();
  await signIn(admin.page, app.baseUrl, SUPER.address, SUPER.password);
  boss = await openBrowser();
  await signIn(boss.page, app.baseUrl, BOSS.address, BOSS.password);
});
after(async () => {
  await boss?.close();
  await admin?.close();
  await app?.close();
});

test("a domain admin sees their own domains' queue and logs, and nothing of another domain", async () => {
  const { page } = boss;
  const queue = await page.goto(`${app.baseUrl}/admin/queue`);
  assert.equal(queue?.status(), 200);
  const table = await page.getByRole('table', { name: 'Queue' }).innerText();
  assert.match(table, new RegExp(ours));
  assert.doesNotMatch(table, new RegExp(theirs));
  assert.doesNotMatch(table, /theirs\.test/);
  assert.equal(await page.getByTestId('retry-all-form').count(), 0, 'watching only: no queue actions');
  await boss.screenshot('admin-scope-queue');

  assert.equal((await page.goto(`${app.baseUrl}/admin/queue/${ours}`))?.status(), 200);
  assert.equal(await page.getByTestId('delete-form').count(), 0);

  const logs = await page.goto(`${app.baseUrl}/admin/logs`);
  assert.equal(logs?.status(), 200);
  const events = await page.getByRole('table', { name: 'Events' }).innerText();
  assert.match(events, /carol@mine\.test/);
  assert.doesNotMatch(events, /theirs\.test|victim/);
  await boss.screenshot('admin-scope-logs');
  await page.goto(`${app.baseUrl}/admin/logs?address=victim`);
  await page.getByText('No events match').waitFor();

  assert.equal((await page.goto(`${app.baseUrl}/admin/logs/journey/${ours}`))?.status(), 200);
  await page.getByRole('list', { name: 'Journey' }).waitFor();
});

test("another domain's queue entry and journey answer 403, and the attempt is in the audit log", async () => {
  const { page } = boss;
  const before = await db().auditEntry.count({ where: { action: 'access.refused', actor: BOSS.address } });
  for (const path of [`/admin/queue/${theirs}`, `/admin/logs/journey/${theirs}`]) {
    const response = await page.goto(`${app.baseUrl}${path}`);
    assert.equal(response?.status(), 403, path);
    assert.doesNotMatch(await page.locator('body').innerText(), /victim-only/);
  }
  const refused = await db().auditEntry.findMany({
    where: { action: 'access.refused', actor: BOSS.address },
    orderBy: { id: 'asc' },
  });
  assert.equal(refused.length, before + 2);
  assert.match(refused.at(-1)!.after ?? '', /domain_admin/);
  // The super admin still sees every entry.
  assert.equal((await admin.page.goto(`${app.baseUrl}/admin/queue/${theirs}`))?.status(), 200);
});

test('IDN domains and addresses read in Unicode everywhere, stored as punycode', async () => {
  const { page } = admin;
  assert.ok(await db().domain.findUnique({ where: { domain: 'xn--mnchen-3ya.example' } }));
  await page.goto(`${app.baseUrl}/admin/domains`);
  const domains = await page.getByRole('table', { name: 'Domains' }).innerText();
  assert.match(domains, /münchen\.example/);
  assert.doesNotMatch(domains, /xn--/);
  await page.goto(`${app.baseUrl}/admin/mailboxes`);
  const mailboxes = await page.getByRole('table', { name: 'Mailboxes' }).innerText();
  assert.match(mailboxes, /anna@münchen\.example/);
  assert.doesNotMatch(mailboxes, /xn--/);
  await page.goto(`${app.baseUrl}/admin/domains/xn--mnchen-3ya.example`);
  assert.equal(await page.locator('h1').innerText(), 'münchen.example');
  await admin.screenshot('admin-idn-domain');
});

test('the mailbox search takes % and _ literally', async () => {
  const { page } = admin;
  const search = async (text: string) => {
    await page.goto(`${app.baseUrl}/admin/mailboxes?q=${encodeURIComponent(text)}`);
    const table = page.getByRole('table', { name: 'Mailboxes' });
    if ((await table.count()) === 0) return '';
    return table.innerText();
  };
  const percent = await search('%');
  assert.match(percent, /a_b@mine\.test/);
  assert.doesNotMatch(percent, /carol|victim|anna/);
  assert.equal(await search('_'), '', 'no address starts with _');
  const underscore = await search('a_');
  assert.match(underscore, /a_b@mine\.test/);
  assert.doesNotMatch(underscore, /anna/);
  await admin.screenshot('admin-mailbox-search-literal');
});

test('Settings marks every bad field at once', async () => {
  const { page } = admin;
  await page.goto(`${app.baseUrl}/admin/settings`);
  const form = page.getByTestId('settings-smtp');
  await form.getByLabel('Largest message (bytes)').fill('lots');
  await form.getByLabel('Recipients per message').fill('0');
  await form.getByLabel('Idle timeout (seconds)').fill('1');
  await form.getByRole('button').last().click();
  await form.locator('[data-field-error="maxMessageBytes"]').waitFor();
  for (const name of ['maxMessageBytes', 'maxRecipients', 'idleTimeoutSeconds'])
    assert.equal(await form.locator(`[data-field-error="${name}"]`).count(), 1, name);
  assert.match(await form.getByRole('alert').innerText(), /3 marked fields/);
  assert.equal(await db().setting.count({ where: { key: { startsWith: 'override.' } } }), 0);
  await admin.screenshot('admin-settings-all-errors');
});

test('a journey is in true order, with milliseconds where events share a second, and details as text', async () => {
  const { page } = admin;
  const queueId = 'SAMESECOND1';
  // Written in the wrong order, as a buffered connect event is: the delivery gets the lower id.
  await db().event.create({
    data: {
      time: new Date('2026-03-02T10:15:30.640Z'),
      protocol: 'smtp',
      action: 'delivered',
      result: 'delivered',
      queueId,
      user: 'carol@mine.test',
      detail: JSON.stringify({ folder: 'INBOX', lastReply: '250 2.0.0 stored' }),
    },
  });
  await db().event.create({
    data: {
      time: new Date('2026-03-02T10:15:30.120Z'),
      protocol: 'smtp',
      action: 'connect',
      result: 'accept',
      queueId,
      clientIp: '203.0.113.5',
    },
  });
  await page.goto(`${app.baseUrl}/admin/logs/journey/${queueId}`);
  const steps = page.getByRole('list', { name: 'Journey' }).locator('li');
  assert.deepEqual(
    await steps.evaluateAll((items) => items.map((item) => item.getAttribute('data-event-action'))),
    ['connect', 'delivered'],
  );
  // Europe/Berlin: 11:15:30.120 and .640.
  await page.waitForFunction(() =>
    document.querySelector('[data-local-time]')?.textContent?.includes('.120'),
  );
  assert.match(await steps.first().innerText(), /11:15:30[.,]120/);
  assert.match(await steps.last().innerText(), /11:15:30[.,]640/);
  const detail = await steps.last().locator('[data-event-detail]').innerText();
  assert.match(detail, /last reply\s+250 2\.0\.0 stored/);
  assert.doesNotMatch(detail, /[{}"]/);
  await admin.screenshot('admin-journey-order');
});
