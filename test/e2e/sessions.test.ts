// Sessions that end when they should, and client addresses that cannot be forged, against a built
// console started on 127.0.0.1, on a port other than 3000 and WITHOUT NEXTAUTH_URL (the README
// calls it optional). Without the mail worker: the webmail routes that need IMAP fail after the
// session check, so a 401 from them means the session was refused, anything else that it passed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startApp, type RunningApp } from './helpers/app';
import { openBrowser, signIn, type Browser } from './helpers/browser';
import { httpRequest, httpSignIn } from './helpers/http-session';
import { seedSuperAdmin } from './helpers/seed';
import {
  addMailbox,
  setMailboxEnabled,
  setPassword,
  updateMailboxDetails,
  SYSTEM_ACTOR,
} from '../../server/domain';
import { db } from '../../server/core/db';

let app: RunningApp;
let browser: Browser;
const USER = { address: 'sam@console.test', password: 'Sam-Password-2026' };
const VICTIM = { address: 'vic@console.test', password: 'Vic-Password-2026' };

before(async () => {
  app = await startApp({
    unsetEnv: ['NEXTAUTH_URL', 'AUTH_TRUST_HOST', 'POSTROOM_TRUSTED_PROXIES'],
    env: { POSTROOM_AUTH_PENALTY_MS: '1', POSTROOM_AUTH_PENALTY_MAX_MS: '4' },
  });
  await seedSuperAdmin();
  await addMailbox(USER);
  await addMailbox(VICTIM);
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

/** Every URL the page's main frame went to, and every Location and next-auth JSON url it got. */
function recordRedirects(page: Page): string[] {
  const seen: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && frame.url() !== 'about:blank') seen.push(frame.url());
  });
  page.on('response', async (response) => {
    const location = response.headers().location;
    if (location) seen.push(new URL(location, response.url()).href);
    if (new URL(response.url()).pathname.startsWith('/api/auth/')) {
      const url = (await response.json().catch(() => ({})))?.url;
      if (typeof url === 'string') seen.push(new URL(url, response.url()).href);
    }
  });
  return seen;
}

async function browserCookie(): Promise<string> {
  const cookies = await browser.context.cookies(app.baseUrl);
  assert.ok(
    cookies.some((cookie) => cookie.name.endsWith('next-auth.session-token')),
    'signed in',
  );
  return cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}

/** What a copied cookie gets from the webmail API and from a console page. */
async function probe(
  cookie: string,
): Promise<{ api: number; messages: number; page: number; pageLocation?: string }> {
  const api = await httpRequest(`${app.baseUrl}/api/mail/addresses`, { headers: { cookie } });
  const messages = await httpRequest(`${app.baseUrl}/api/mail/messages?folder=INBOX`, {
    headers: { cookie },
  });
  const page = await httpRequest(`${app.baseUrl}/account`, { headers: { cookie } });
  return {
    api: api.status,
    messages: messages.status,
    page: page.status,
    pageLocation: page.headers.location,
  };
}

function assertEnded(result: Awaited<ReturnType<typeof probe>>, what: string): void {
  assert.equal(result.api, 401, `${what}: the webmail API refuses the old cookie`);
  assert.equal(result.messages, 401, `${what}: /api/mail/messages refuses it too`);
  assert.ok([303, 307].includes(result.page), `${what}: the page redirects (got ${result.page})`);
  assert.match(result.pageLocation ?? '', /^\/signin|\/signin\?/, `${what}: to the sign-in page`);
}

test('without NEXTAUTH_URL, signing in and out stays on the console’s own origin', async () => {
  const { page } = browser;
  assert.notEqual(new URL(app.baseUrl).port, '3000');
  const seen = recordRedirects(page);
  await signIn(page, app.baseUrl, USER.address, USER.password);
  await page.goto(`${app.baseUrl}/account`);
  await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
  await page.waitForURL((url) => url.pathname === '/signin');
  await page.getByLabel('Email address').waitFor();
  const elsewhere = seen.filter((url) => new URL(url).origin !== app.baseUrl);
  assert.deepEqual(elsewhere, [], 'no redirect leaves the origin the browser used');
  assert.equal(new URL(page.url()).origin, app.baseUrl);
});

test('a copied session cookie stops working at sign-out, on the webmail API and on pages', async () => {
  const { page } = browser;
  await signIn(page, app.baseUrl, USER.address, USER.password);
  const copied = await browserCookie();
  const live = await probe(copied);
  assert.equal(live.api, 200, 'the webmail API answers while signed in');
  assert.notEqual(live.messages, 401, 'the message list passes the session check (then needs IMAP)');
  assert.equal(live.page, 200);
  // An open live-mail stream (server-sent events) with the copied cookie ends too.
  let streamEnded = false;
  const stream = httpRequest(`${app.baseUrl}/api/mail/events`, { headers: { cookie: copied } }).then(
    (answer) => {
      streamEnded = true;
      return answer;
    },
  );
  await page.goto(`${app.baseUrl}/mail`);
  assert.equal(streamEnded, false, 'the stream stays open while signed in');
  await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
  await page.waitForURL((url) => url.pathname === '/signin');
  assertEnded(await probe(copied), 'sign-out');
  // Generous for a loaded machine; the stream is checked every 10 s.
  const ended = await Promise.race([
    stream,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the stream stayed open after sign-out')), 90_000).unref(),
    ),
  ]);
  assert.equal(ended.status, 200);
  assert.match(ended.body, /event: mail/, 'it was a live stream, closed by the server after sign-out');
});

test('a new password, a disabled mailbox and a role change end every session of the account', async () => {
  let password = USER.password;
  const changes: [string, () => Promise<void>][] = [
    [
      'password change',
      async () => {
        password = 'Sam-Password-2027';
        await setPassword(USER.address, password, SYSTEM_ACTOR);
      },
    ],
    ['disabled mailbox', () => setMailboxEnabled(USER.address, false, SYSTEM_ACTOR)],
    ['role change', () => updateMailboxDetails(USER.address, { role: 'domain_admin' }, SYSTEM_ACTOR)],
  ];
  for (const [what, change] of changes) {
    const first = await httpSignIn(app.baseUrl, USER.address, password);
    const second = await httpSignIn(app.baseUrl, USER.address, password);
    assert.ok(first.cookie && second.cookie, `signed in twice before the ${what}: ${first.error}`);
    assert.equal((await probe(first.cookie)).api, 200);
    await change();
    assertEnded(await probe(first.cookie), what);
    assertEnded(await probe(second.cookie), what);
    await setMailboxEnabled(USER.address, true, SYSTEM_ACTOR);
    assertEnded(await probe(first.cookie), `${what}, enabled again`);
  }
});

test('a server action after the session ended sends the browser to sign in, changing nothing', async () => {
  const { page } = browser;
  await browser.context.clearCookies();
  await signIn(page, app.baseUrl, USER.address, 'Sam-Password-2027');
  await page.goto(`${app.baseUrl}/account`);
  await setMailboxEnabled(USER.address, false, SYSTEM_ACTOR);
  await setMailboxEnabled(USER.address, true, SYSTEM_ACTOR);
  const form = page.getByTestId('forwarding-form');
  await form.getByLabel('Forward my mail to').fill('elsewhere@example.net');
  await form.getByRole('button', { name: 'Save forwarding' }).click();
  await page.waitForURL((url) => url.pathname === '/signin');
  const user = await db().user.findFirstOrThrow({ where: { local: 'sam' } });
  assert.equal(await db().alias.count({ where: { sourceLocal: 'sam', sourceDomain: 'console.test' } }), 0);
  assert.equal(user.enabled, true);
});

test('My account lists the sessions; one can be signed out, or all at once', async () => {
  const { page } = browser;
  const password = 'Sam-Password-2027';
  await browser.context.clearCookies();
  const other = await httpSignIn(app.baseUrl, USER.address, password, {
    localAddress: '127.0.0.3',
    headers: {
      'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0',
    },
  });
  assert.ok(other.cookie, other.error);
  await signIn(page, app.baseUrl, USER.address, password);
  await page.goto(`${app.baseUrl}/account`);
  const rows = page.getByTestId('sessions').locator('tbody tr');
  assert.equal(await rows.count(), 2);
  const current = page.locator('[data-session-row="current"]');
  assert.match(await current.innerText(), /this browser/);
  assert.match(await current.innerText(), /127\.0\.0\.1/);
  const firefox = page.locator('[data-session-row="other"]');
  assert.match(await firefox.innerText(), /Firefox 140 on Windows/);
  assert.match(await firefox.innerText(), /127\.0\.0\.3/);
  await browser.screenshot('account-sessions');

  await firefox.getByRole('button', { name: 'Sign out', exact: true }).click();
  await firefox.waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 1);
  assertEnded(await probe(other.cookie), 'sign out one session');
  assert.equal((await probe(await browserCookie())).api, 200, 'this browser stays signed in');

  const third = await httpSignIn(app.baseUrl, USER.address, password);
  assert.ok(third.cookie);
  const mine = await browserCookie();
  await page.reload();
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.waitForURL((url) => url.pathname === '/signin');
  assert.equal(new URL(page.url()).origin, app.baseUrl);
  assertEnded(await probe(third.cookie), 'sign out everywhere (another browser)');
  assertEnded(await probe(mine), 'sign out everywhere (this browser)');
});

test('a forged X-Forwarded-For is not believed: throttling and the log use the socket address', async () => {
  // The victim has signed in from 127.0.0.2 before (an address the account is known from).
  const victim = await httpSignIn(app.baseUrl, VICTIM.address, VICTIM.password, {
    localAddress: '127.0.0.2',
  });
  assert.ok(victim.cookie, victim.error);
  // The attacker (127.0.0.1) guesses the victim's password naming the victim's address.
  for (let attempt = 0; attempt < 12; attempt++) {
    const guess = await httpSignIn(app.baseUrl, VICTIM.address, `wrong-${attempt}-Password`, {
      headers: { 'x-forwarded-for': '127.0.0.2', 'x-real-ip': '127.0.0.2' },
    });
    assert.equal(guess.cookie, undefined);
  }
  const again = await httpSignIn(app.baseUrl, VICTIM.address, VICTIM.password, { localAddress: '127.0.0.2' });
  assert.ok(again.cookie, `the victim is not locked out by forged failures: ${again.error}`);

  // 35 failed sign-ins, each naming another address and account: the socket's address is throttled.
  const errors: string[] = [];
  for (let attempt = 1; attempt <= 35; attempt++) {
    const guess = await httpSignIn(app.baseUrl, `nobody-${attempt}@console.test`, 'Wrong-Password-1', {
      headers: { 'x-forwarded-for': `198.51.100.${attempt}`, 'x-real-ip': `203.0.113.${attempt}` },
    });
    errors.push(guess.error ?? 'signed in?');
  }
  assert.ok(
    errors.slice(-5).every((error) => /Too many failed sign-ins/.test(error)),
    `the last attempts are throttled: ${errors.slice(-5).join(' | ')}`,
  );
  for (const result of [...victim.redirects, ...again.redirects])
    assert.equal(new URL(result, app.baseUrl).origin, app.baseUrl);

  const failures = (await db().event.findMany({ where: { protocol: 'web', result: { not: 'ok' } } })).filter(
    (event) => event.user === VICTIM.address || event.user?.startsWith('nobody-'),
  );
  assert.ok(failures.length >= 12, `failures were logged (${failures.length})`);
  const addresses = new Set(failures.map((event) => event.clientIp));
  assert.deepEqual([...addresses], ['127.0.0.1'], 'the log records the socket address, never a forged one');
});
