// The XSS corpus in the real browser: every vector in a mail body, and the header vectors as
// subject, sender name and attachment name. Nothing may run: no dialog, no "alert ignored"
// console notice, no window.__xss flag in the page or any frame, and no remote request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningApp } from './helpers/app';
import { openBrowser, type Browser } from './helpers/browser';
import { startWebmailApp, signInToMail, ALICE } from './webmail-fixture';
import { HTML_VECTORS, HEADER_VECTORS } from '../unit/sanitize-corpus';
import { appendMessage } from '../../server/store';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;
const incidents: string[] = [];
const remoteRequests: string[] = [];

function encodeWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}

async function deliverRaw(raw: string): Promise<void> {
  const user = await db().user.findFirstOrThrow({ where: { local: 'alice', domain: 'mail.test' } });
  const inbox = await db().folder.findUniqueOrThrow({ where: { userId_name: { userId: user.id, name: 'INBOX' } } });
  await appendMessage(Buffer.from(raw.replace(/\r?\n/g, '\r\n')), [{ folderId: inbox.id }]);
}

before(async () => {
  app = await startWebmailApp();
  const body = HTML_VECTORS.map((vector, index) => `<div class="vector">#${index + 1} ${vector}</div>`).join('\n');
  await deliverRaw(['From: Mallory <mallory@evil.test>', `To: ${ALICE}`, 'Subject: XSS corpus body', 'Date: Mon, 23 Nov 2026 08:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(`<html><body>${body}</body></html>`).toString('base64').replace(/.{76}/g, '$&\n'), ''].join('\n'));
  for (const [index, vector] of HEADER_VECTORS.entries()) {
    await deliverRaw([
      `From: ${encodeWord(vector)} <mallory${index}@evil.test>`, `To: ${ALICE}`, `Subject: ${encodeWord(`H${index} ${vector}`)}`, `Date: Mon, 23 Nov 2026 09:0${index}:00 +0000`,
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain; charset=utf-8', '', `plain ${vector}`, '--b',
      `Content-Type: application/octet-stream; name="${encodeWord(vector)}"`, `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(vector)}`, 'Content-Transfer-Encoding: base64', '', Buffer.from('x').toString('base64'), '--b--', '',
    ].join('\n'));
  }
  browser = await openBrowser();
  const { page, context } = browser;
  page.on('dialog', (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/alert|__xss|Ignored call/i.test(message.text())) incidents.push(`console: ${message.text()}`);
  });
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && !['data:', 'blob:', 'about:'].includes(url.protocol)) remoteRequests.push(request.url());
  });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

async function xssFlags(): Promise<unknown[]> {
  return Promise.all(browser.page.frames().map((frame) => frame.evaluate(() => (window as unknown as { __xss?: unknown }).__xss).catch(() => 'unreadable')));
}

test('the harness would notice a script running in a frame', async () => {
  const { page } = browser;
  await signInToMail(page, app.baseUrl, ALICE);
  await page.evaluate(() => {
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin');
    frame.id = 'control';
    frame.srcdoc = '<img src=x onerror="window.top.__xss=1">';
    document.body.append(frame);
  });
  await page.waitForFunction(() => (window as unknown as { __xss?: number }).__xss === 1);
  await page.evaluate(() => {
    document.getElementById('control')?.remove();
    delete (window as unknown as { __xss?: number }).__xss;
  });
});

test('the body corpus renders in the sandboxed frame and nothing runs', async () => {
  const { page } = browser;
  await page.locator('li[data-uid]').filter({ hasText: 'XSS corpus body' }).click();
  const frame = page.frameLocator('[data-testid="message-frame"]');
  await frame.locator('.vector').first().waitFor();
  assert.equal(await frame.locator('.vector').count(), HTML_VECTORS.length);
  assert.equal(await frame.locator('script, iframe, object, embed, form, svg, math, meta, link, base').count(), 0);
  assert.equal(await frame.locator('[onerror], [onload], [onclick], [onmouseover], [onfocus], [href^="javascript" i]').count(), 0);
  // Hover and click across the frame to trigger any handler that survived.
  const box = await page.getByTestId('message-frame').boundingBox();
  for (let y = 10; box && y < Math.min(box.height, 1500); y += 60) await page.mouse.click(box.x + 40, box.y + y, { delay: 5 }).catch(() => undefined);
  await page.waitForTimeout(1000);
  assert.deepEqual(incidents, []);
  assert.deepEqual((await xssFlags()).filter((flag) => flag !== undefined), []);
  assert.match(await page.getByText('Remote images are hidden').innerText(), /Remote images are hidden/);
  await browser.screenshot('webmail-xss-body');
});

test('header vectors show as plain text in the list, the reader and the attachment list', async () => {
  const { page } = browser;
  for (const [index, vector] of HEADER_VECTORS.entries()) {
    const subject = `H${index} ${vector}`;
    await page.locator('li[data-uid]').filter({ hasText: subject }).first().click();
    const shown = page.getByTestId('reader-subject');
    await shown.filter({ hasText: `H${index} ` }).waitFor();
    assert.equal(await shown.innerText(), subject);
    assert.equal(await page.getByTestId('reader-from').innerText(), vector);
    assert.match(await page.getByTestId('attachment').first().innerText(), new RegExp(vector.slice(0, 12).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.equal(await page.getByTestId('plain-body').innerText(), `plain ${vector}`);
  }
  await browser.screenshot('webmail-xss-headers');
  assert.deepEqual(incidents, []);
  assert.deepEqual((await xssFlags()).filter((flag) => flag !== undefined), []);
  assert.deepEqual(remoteRequests, []);
});
