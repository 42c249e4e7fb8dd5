// The queue page: a message the relay defers shows up with its reply; "retry now" sends it once
// the relay accepts; bounce and delete need a confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { enqueueMessage } from '../../server/queue/enqueue';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;
let relay: SMTPServer;
let relayAccepts = false;
const received: string[] = [];

before(async () => {
  // A relay host that answers 451 until told otherwise.
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (relayAccepts) return callback();
      callback(Object.assign(new Error('Greylisted, try again later'), { responseCode: 451 }));
    },
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received.push('message');
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayPort = (relay.server.address() as AddressInfo).port;
  app = await startApp({ worker: true, env: { POSTROOM_RELAYHOST: `127.0.0.1:${relayPort}` } });
  await seedSuperAdmin();
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
  await new Promise<void>((resolve) => relay?.close(() => resolve()));
});

const raw = (subject: string) =>
  Buffer.from(
    `From: admin@console.test\r\nTo: someone@remote.example\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@console.test>\r\n\r\nHello.\r\n`,
  );

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('a deferred entry is listed with the remote reply, and "retry now" delivers it', async () => {
  const { page } = browser;
  const queueId = await enqueueMessage({
    sender: 'admin@console.test',
    recipients: ['someone@remote.example'],
    content: raw('deferred-one'),
  });
  await waitFor(
    async () => (await db().queueEntry.findUnique({ where: { queueId } }))?.status === 'deferred',
    'the first attempt to be deferred',
  );

  await page.goto(`${app.baseUrl}/admin/queue`);
  const row = page.locator(`tr[data-queue-id="${queueId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /451/);
  assert.match(await row.innerText(), /deferred/);
  await browser.screenshot('admin-queue');

  await row.getByRole('link', { name: queueId }).click();
  await page.waitForURL(`**/admin/queue/${queueId}`);
  assert.match(await page.getByTestId('queue-headers').innerText(), /Subject: deferred-one/);
  await browser.screenshot('admin-queue-entry');

  relayAccepts = true;
  await page.getByTestId('retry-form').getByRole('button', { name: 'Retry now' }).click();
  await page.getByRole('status').filter({ hasText: 'right now' }).waitFor();
  await waitFor(
    async () => (await db().queueEntry.findUnique({ where: { queueId } })) === null,
    'the retried entry to be delivered',
  );
  assert.equal(received.length, 1);
  const delivered = await db().event.findFirst({
    where: { queueId, protocol: 'queue', action: 'deliver' },
    orderBy: { id: 'desc' },
  });
  assert.ok(delivered && delivered.result !== 'deferred', `delivered event (${delivered?.result})`);
});

test('delete needs the confirmation box, then drops the entry', async () => {
  const { page } = browser;
  relayAccepts = false;
  const queueId = await enqueueMessage({
    sender: 'admin@console.test',
    recipients: ['other@remote.example'],
    content: raw('to-delete'),
    notBefore: new Date(Date.now() + 3_600_000),
  });
  await page.goto(`${app.baseUrl}/admin/queue/${queueId}`);
  const form = page.getByTestId('delete-form');
  await form.getByRole('button', { name: 'Delete' }).click();
  await form.locator('[data-field-error="confirm"]').waitFor();
  assert.ok(await db().queueEntry.findUnique({ where: { queueId } }), 'still queued without confirmation');
  await form.getByRole('checkbox').check();
  await form.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL('**/admin/queue?done=*');
  assert.equal(await db().queueEntry.findUnique({ where: { queueId } }), null);
});

test('bounce now gives up on an entry after confirmation and tells the sender', async () => {
  const { page } = browser;
  const queueId = await enqueueMessage({
    sender: 'admin@console.test',
    recipients: ['gone@remote.example'],
    content: raw('to-bounce'),
    notBefore: new Date(Date.now() + 3_600_000),
  });
  await page.goto(`${app.baseUrl}/admin/queue/${queueId}`);
  const form = page.getByTestId('bounce-form');
  await form.getByRole('checkbox').check();
  await form.getByRole('button', { name: 'Bounce now' }).click();
  await page.waitForURL('**/admin/queue?done=*');
  assert.match(await page.getByRole('status').innerText(), /bounced/);
  assert.equal(await db().queueEntry.findUnique({ where: { queueId } }), null);
  assert.ok(
    await db().event.findFirst({ where: { queueId, protocol: 'queue', action: 'bounce' } }),
    'the bounce is in the log',
  );
  await page.goto(`${app.baseUrl}/admin/logs/journey/${queueId}`);
  await page.getByRole('list', { name: 'Journey' }).getByText('bounce').first().waitFor();
});
