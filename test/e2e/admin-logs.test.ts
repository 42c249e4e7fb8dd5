// Logs: filters narrow the event table, live mode streams new events, a queue id shows the
// message's journey; the dashboard counts the same events in its charts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { recordEvent } from '../../server/core/events';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startApp();
  await seedSuperAdmin();
  await recordEvent({
    protocol: 'smtp',
    action: 'connect',
    result: 'accept',
    clientIp: '203.0.113.5',
    queueId: 'Q1JOURNEY',
  });
  await recordEvent({
    protocol: 'smtp',
    action: 'rcpt_to',
    result: 'accept',
    clientIp: '203.0.113.5',
    queueId: 'Q1JOURNEY',
    user: 'alice@console.test',
  });
  await recordEvent({
    protocol: 'smtp',
    action: 'data',
    result: 'accepted',
    clientIp: '203.0.113.5',
    queueId: 'Q1JOURNEY',
    detail: { size: 1234 },
  });
  await recordEvent({
    protocol: 'smtp',
    action: 'rcpt_to',
    result: 'reject',
    clientIp: '198.51.100.66',
    queueId: 'Q2REJECT',
    detail: { recipient: 'nobody@console.test' },
  });
  await recordEvent({
    protocol: 'imap',
    action: 'auth',
    result: 'failed',
    clientIp: '192.0.2.10',
    user: 'mallory@console.test',
  });
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

const rows = () => browser.page.getByRole('table', { name: 'Events' }).locator('tbody tr');

test('filters narrow the log, newest first', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/logs`);
  const all = await rows().count();
  assert.ok(all >= 6, `all events listed (${all})`);
  const firstId = Number(await rows().first().getAttribute('data-event-id'));
  const lastId = Number(await rows().last().getAttribute('data-event-id'));
  assert.ok(firstId > lastId, 'newest first');

  await page.getByLabel('Protocol').selectOption('imap');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/protocol=imap/);
  assert.equal(await rows().count(), 1);
  assert.match(await rows().first().innerText(), /mallory@console\.test/);

  await page.goto(`${app.baseUrl}/admin/logs`);
  await page.getByLabel('Client IP').fill('198.51.100.');
  await page.getByLabel('Result').selectOption('accept');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/ip=198/);
  await page.getByText('No events match').waitFor();
  await page.getByLabel('Result').selectOption('');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(
    (url) => !url.searchParams.get('result') && url.searchParams.get('ip') === '198.51.100.',
  );
  assert.equal(await rows().count(), 1);
  assert.match(await rows().first().innerText(), /rcpt_to/);
  await browser.screenshot('admin-logs-filtered');
});

test("a from/until window is read in the viewer's time zone (Europe/Berlin here)", async () => {
  const { page } = browser;
  await db().event.create({
    data: {
      time: new Date('2026-01-15T10:00:00Z'),
      protocol: 'smtp',
      action: 'connect',
      result: 'accept',
      clientIp: '192.0.2.200',
    },
  });
  const window = async (from: string, until: string) => {
    await page.goto(`${app.baseUrl}/admin/logs?ip=192.0.2.200`);
    await page.getByLabel('From').fill(from);
    await page.getByLabel('Until').fill(until);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/from=/);
    return page.getByRole('table', { name: 'Events' }).locator('tbody tr').count();
  };
  // 10:00 UTC is 11:00 in Berlin in January.
  assert.equal(await window('2026-01-15T10:30', '2026-01-15T11:30'), 1);
  assert.equal(new URL(page.url()).searchParams.get('from'), '2026-01-15T09:30:00.000Z');
  assert.equal(await window('2026-01-15T11:30', '2026-01-15T12:30'), 0);
});

test('a queue id opens the whole journey of one message', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/logs?queue=Q1JOURNEY`);
  assert.equal(await rows().count(), 3);
  await rows().first().getByRole('link', { name: 'Q1JOURNEY' }).click();
  await page.waitForURL('**/admin/logs/journey/Q1JOURNEY');
  const steps = page.getByRole('list', { name: 'Journey' }).locator('li');
  assert.equal(await steps.count(), 3);
  assert.match(await steps.first().innerText(), /connect/);
  assert.match(await steps.last().innerText(), /data/);
  await browser.screenshot('admin-journey');
});

test('live mode streams new events as they happen', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/logs?protocol=pop3&live=1`);
  await page.getByRole('status').filter({ hasText: 'Live:' }).waitFor();
  await recordEvent({ protocol: 'imap', action: 'auth', result: 'ok', user: 'ignored@console.test' });
  await recordEvent({
    protocol: 'pop3',
    action: 'auth',
    result: 'ok',
    user: 'streamed@console.test',
    clientIp: '192.0.2.77',
  });
  const live = page.getByRole('table', { name: 'New events' });
  await live.getByText('streamed@console.test').waitFor({ timeout: 10_000 });
  assert.equal(await live.locator('tbody tr').count(), 1, 'the filter applies to the stream too');
  await browser.screenshot('admin-logs-live');
});

test('the dashboard counts received and rejected mail', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin`);
  const day = page.locator('figure').filter({ hasText: 'Last 24 hours' });
  assert.equal(await day.locator('[data-metric-total="received"]').innerText(), '1');
  assert.equal(await day.locator('[data-metric-total="rejected"]').innerText(), '1');
  await page.getByRole('table', { name: 'Recent events' }).waitFor();
  await browser.screenshot('admin-dashboard');
});

test('the settings page shows listeners, limits, scanners, the certificate and the retry schedule', async () => {
  const { page } = browser;
  await page.goto(`${app.baseUrl}/admin/settings`);
  for (const section of [
    'Server',
    'Listeners',
    'TLS certificate',
    'SMTP limits',
    'Spam and virus checks',
    'Outbound queue and retries',
  ])
    await page.getByRole('region', { name: section }).waitFor();
  assert.match(await page.getByRole('region', { name: 'Server' }).innerText(), /mail\.postroom\.test/);
  await browser.screenshot('admin-settings');
});
