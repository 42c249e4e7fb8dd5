// The console's mailbox page shows whether a mailbox has an active Sieve script and a vacation
// reply, and an admin turns it off: a super admin for anyone, a domain admin for the user
// mailboxes of their own domains only (another domain is refused and audited); each change is
// in the audit log and the user's scripts are kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { addDomain, addMailbox, getMailbox } from '../../server/domain';
import { ForbiddenError } from '../../server/domain/errors';
import { db } from '../../server/core/db';
import { activateSieveScript, listSieveScripts, putSieveScript, sieveStatus } from '../../server/rules';
import { deactivateMailboxSieve } from '../../server/web/mailbox-sieve';
import type { Actor } from '../../server/domain/audit';

process.env.POSTROOM_AUTH_PENALTY_MS = '0';

let app: RunningApp;
let browser: Browser;
const DOMAIN_ADMIN = { address: 'boss@mine.test', password: 'Domain-Admin-99' };
const VACATION = 'require "vacation";\r\nvacation :days 3 :subject "Away" "Back soon.";\r\n';
const FILING = 'require "fileinto";\r\nif header :contains "subject" "x" { fileinto "X"; }\r\n';

async function giveScript(address: string, source: string): Promise<number> {
  const { id } = await getMailbox(address);
  const result = await putSieveScript(id, 'webmail', source);
  assert.ok(result.ok);
  await activateSieveScript(id, 'webmail');
  return id;
}

before(async () => {
  app = await startApp();
  await seedSuperAdmin();
  await addDomain('mine.test');
  await addDomain('theirs.test');
  await addMailbox({ ...DOMAIN_ADMIN, role: 'domain_admin', manages: ['mine.test'] });
  await addMailbox({ address: 'carol@mine.test', password: 'Carol-Password-1' });
  await addMailbox({ address: 'dave@mine.test', password: 'Dave-Password-1' });
  await addMailbox({ address: 'victim@theirs.test', password: 'Victim-Password-1' });
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('a super admin sees the vacation indicator and turns the filters off (audited)', async () => {
  const carol = await giveScript('carol@mine.test', VACATION);
  const { page } = browser;
  await signIn(page, app.baseUrl, SUPER.address, SUPER.password);
  await page.goto(`${app.baseUrl}/admin/mailboxes/carol%40mine.test`);
  assert.equal(await page.getByTestId('sieve-badge').innerText(), 'vacation reply on');
  assert.match(
    await page.getByTestId('sieve-status').innerText(),
    /Active script webmail, with a vacation reply/,
  );
  await browser.screenshot('console-sieve-status');
  await page.getByTestId('sieve-deactivate-form').getByRole('button', { name: 'Turn off filters' }).click();
  await page.getByRole('status').filter({ hasText: 'Filters turned off' }).waitFor();
  assert.deepEqual(await sieveStatus(carol), { activeScript: null, vacation: false });
  assert.deepEqual(
    (await listSieveScripts(carol)).map((s) => [s.name, s.active]),
    [['webmail', false]],
    'the script is kept, inactive',
  );
  const entry = await db().auditEntry.findFirst({
    where: { action: 'mailbox.sieve.deactivate', objectId: 'carol@mine.test' },
  });
  assert.equal(entry?.actor, SUPER.address);
  assert.match(entry?.before ?? '', /"vacation":true/);
  await page.getByText('No active script: mail goes to the Inbox').waitFor();
  assert.equal(await page.getByTestId('sieve-badge').count(), 0);
  await browser.screenshot('console-sieve-off');
  await page.setViewportSize({ width: 390, height: 844 });
  await browser.screenshot('console-sieve-phone');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.context().clearCookies();
});

test("a domain admin turns off a filter in their domain, never in another domain's mailbox", async () => {
  const dave = await giveScript('dave@mine.test', FILING);
  const victim = await giveScript('victim@theirs.test', VACATION);
  const { page } = browser;
  await page.context().clearCookies();
  await signIn(page, app.baseUrl, DOMAIN_ADMIN.address, DOMAIN_ADMIN.password);
  await page.goto(`${app.baseUrl}/admin/mailboxes/dave%40mine.test`);
  assert.equal(await page.getByTestId('sieve-badge').innerText(), 'filters on');
  await page.getByRole('button', { name: 'Turn off filters' }).click();
  await page.getByRole('status').filter({ hasText: 'Filters turned off' }).waitFor();
  assert.equal((await sieveStatus(dave)).activeScript, null);

  // Another domain's page answers 403 and shows nothing of its filters.
  const answer = await page.goto(`${app.baseUrl}/admin/mailboxes/victim%40theirs.test`);
  assert.equal(answer?.status(), 403);
  assert.equal(await page.getByTestId('sieve-status').count(), 0);

  // The same change asked of the domain layer directly is refused too, and nothing changes.
  const actor: Actor = { name: DOMAIN_ADMIN.address, role: 'domain_admin', domains: ['mine.test'] };
  await assert.rejects(deactivateMailboxSieve('victim@theirs.test', actor), ForbiddenError);
  await assert.rejects(deactivateMailboxSieve(DOMAIN_ADMIN.address, actor), ForbiddenError);
  assert.deepEqual(await sieveStatus(victim), { activeScript: 'webmail', vacation: true });
  assert.equal(
    await db().auditEntry.count({
      where: { action: 'mailbox.sieve.deactivate', objectId: 'victim@theirs.test' },
    }),
    0,
  );
});
