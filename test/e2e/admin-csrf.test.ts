// CSRF: a signed-in admin's browser posting a console form from another site changes nothing;
// the same post from the console itself works (the positive control).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { seedSuperAdmin, SUPER } from './helpers/seed';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;

before(async () => {
  app = await startApp();
  await seedSuperAdmin();
  browser = await openBrowser();
  await signIn(browser.page, app.baseUrl, SUPER.address, SUPER.password);
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** Posts the "add domain" form as a browser would, with the session cookie and a chosen Origin. */
async function postAddDomain(origin: string, domain: string): Promise<number> {
  const html = await (
    await fetch(`${app.baseUrl}/admin/domains`, { headers: { cookie: await cookies() } })
  ).text();
  const form = /<form[^>]*data-testid="add-domain-form"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1] ?? '';
  const body = new FormData();
  const decodeEntities = (text: string) =>
    text
      .replace(/&quot;/g, '"')
      .replace(/&#x27;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?/g))
    body.set(decodeEntities(name!), decodeEntities(value ?? ''));
  assert.ok(
    [...body.keys()].some((key) => key.startsWith('$ACTION')),
    'the form carries its server action id',
  );
  body.set('domain', domain);
  body.set('aliasOf', '');
  const response = await fetch(`${app.baseUrl}/admin/domains`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { cookie: await cookies(), origin },
  });
  await response.arrayBuffer();
  return response.status;
}

async function cookies(): Promise<string> {
  return (await browser.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

test('a cross-site form post to a server action is refused and nothing changes', async () => {
  const status = await postAddDomain('http://evil.example', 'csrf-victim.test');
  assert.notEqual(status, 200);
  assert.equal(await db().domain.findUnique({ where: { domain: 'csrf-victim.test' } }), null);
});

test('the same post from the console origin works', async () => {
  const status = await postAddDomain(app.baseUrl, 'same-origin.test');
  assert.equal(status, 200);
  assert.ok(await db().domain.findUnique({ where: { domain: 'same-origin.test' } }));
});

test('the live-events stream needs a super admin session', async () => {
  const anonymous = await fetch(`${app.baseUrl}/api/admin/events`);
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});
