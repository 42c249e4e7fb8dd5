// Settings: a super admin changes the largest message size in the console; the running mail
// worker announces the new EHLO SIZE and refuses a bigger message, with no restart. A bad value
// gets a field error and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { addMailbox } from '../../server/domain';
import { loadSettingOverrides } from '../../server/domain/settings';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startApp({
    worker: true,
    env: { POSTROOM_SMTP_MAX_SIZE: '2000000', POSTROOM_MAILAUTH: 'off' },
  });
  await seedSuperAdmin();
  await addMailbox({ address: 'inbox@console.test', password: 'Inbox-Password-1' });
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** Python's smtplib: the EHLO SIZE, then a message of `bytes` sent without declaring its size. */
function smtpProbe(port: number, bytes: number): Promise<{ size: string; data: string }> {
  const script = `
import smtplib
s = smtplib.SMTP('127.0.0.1', ${port}, timeout=20)
s.ehlo('client.example')
print(s.esmtp_features.get('size', ''))
s.docmd('MAIL FROM:<friend@client.example>')
s.docmd('RCPT TO:<inbox@console.test>')
s.docmd('DATA')
body = 'Subject: big\\r\\n\\r\\n' + ('x' * 70 + '\\r\\n') * (${bytes} // 72)
s.send((body + '.\\r\\n').encode())
code, msg = s.getreply()
print(code, msg.decode())
s.quit()
`;
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script]);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`smtplib failed: ${err}`));
      const [size, data] = out.trim().split('\n');
      resolve({ size: size!, data: data! });
    });
  });
}

test('a new largest message size reaches the running worker within 15 s', async () => {
  const { page } = browser;
  const port = app.workerPorts.smtp!;
  const before = await smtpProbe(port, 60_000);
  assert.equal(before.size, '2000000');
  assert.match(before.data, /^250 /);

  await page.goto(`${app.baseUrl}/admin/settings`);
  const form = page.getByTestId('settings-smtp');
  await form.getByLabel('Largest message (bytes)').fill('40000');
  await form.getByRole('button', { name: 'Save SMTP limits' }).click();
  await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  assert.equal(await form.getByLabel('Largest message (bytes)').inputValue(), '40000');
  assert.match(
    await page.getByRole('region', { name: 'SMTP limits' }).innerText(),
    /Settings page \(over POSTROOM_SMTP_MAX_SIZE\)/,
  );

  // Every worker process must have it: connections take turns between them, so four probes in a
  // row answering the new size mean each process does.
  const deadline = Date.now() + 15_000;
  let probe = await smtpProbe(port, 60_000);
  let inARow = probe.size === '40000' ? 1 : 0;
  while (inARow < 4 && Date.now() < deadline) {
    if (inARow === 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    probe = await smtpProbe(port, 60_000);
    inARow = probe.size === '40000' ? inARow + 1 : 0;
  }
  assert.equal(inARow, 4, 'EHLO SIZE did not change in every worker process within 15 s');
  assert.match(probe.data, /^552 5\.3\.4 /);
  await browser.screenshot('admin-settings-edit');
});

test('a bad value gets a field error and changes nothing', async () => {
  const { page } = browser;
  const form = page.getByTestId('settings-smtp');
  await form.getByLabel('Largest message (bytes)').fill('ten megabytes');
  await form.getByRole('button', { name: 'Save SMTP limits' }).click();
  const error = form.locator('[data-field-error="maxMessageBytes"]');
  await error.waitFor();
  assert.match(await error.innerText(), /whole number/);
  await browser.screenshot('admin-settings-edit-error');
  assert.deepEqual(await loadSettingOverrides(), { maxMessageBytes: 40000 });
  assert.equal((await smtpProbe(app.workerPorts.smtp!, 100)).size, '40000');
});
