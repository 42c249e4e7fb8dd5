// ACME through the built web app (Next.js): the HTTP-01 route answers a stored token and nothing
// else, and the console's Settings page and dashboard say what ACME is doing (directory, last
// attempt, next renewal, last error). The order itself is tested against Pebble in
// test/integration/acme.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type RunningApp } from './helpers/app';
import { httpRequest, httpSignIn } from './helpers/http-session';
import { SUPER, seedSuperAdmin } from './helpers/seed';

const DIRECTORY = 'https://acme.invalid/directory';
let app: RunningApp;

before(async () => {
  app = await startApp({ env: { POSTROOM_ACME_DIRECTORY: DIRECTORY } });
  await seedSuperAdmin();
});
after(async () => {
  await app?.close();
});

test('the HTTP-01 route serves a stored answer, 404 for anything else', async () => {
  const token = 'Zm9vYmFyLXRva2VuLTAxMjM0NTY3ODk';
  mkdirSync(join(app.db.dataDir, 'acme', 'challenges'), { recursive: true });
  writeFileSync(join(app.db.dataDir, 'acme', 'challenges', token), `${token}.thumbprint`);
  const answer = await httpRequest(`${app.baseUrl}/.well-known/acme-challenge/${token}`);
  assert.equal(answer.status, 200);
  assert.equal(answer.body, `${token}.thumbprint`);
  for (const path of ['unknown-token-0123456789abcdef', '..%2F..%2Fpostroom.db']) {
    assert.equal((await httpRequest(`${app.baseUrl}/.well-known/acme-challenge/${path}`)).status, 404, path);
  }
});

test('Settings and the dashboard show what ACME is doing', async () => {
  writeFileSync(
    join(app.db.dataDir, 'acme', 'state.json'),
    JSON.stringify({
      directoryUrl: DIRECTORY,
      lastAttemptAt: '2026-12-01T10:00:00.000Z',
      nextRenewalAt: '2026-12-01T10:01:00.000Z',
      lastError: 'Invalid response from http://mail.postroom.test/.well-known/acme-challenge/x: 404',
    }),
  );
  const signIn = await httpSignIn(app.baseUrl, SUPER.address, SUPER.password);
  assert.ok(signIn.cookie, `signed in (${signIn.error ?? ''})`);
  const settings = await httpRequest(`${app.baseUrl}/admin/settings`, {
    headers: { cookie: signIn.cookie! },
  });
  assert.equal(settings.status, 200);
  for (const text of [
    'ACME directory',
    DIRECTORY,
    'last attempt failed',
    'Next renewal',
    'Issuer',
    'acme-challenge/x: 404',
  ])
    assert.ok(settings.body.includes(text), `Settings shows ${text}`);
  const dashboard = await httpRequest(`${app.baseUrl}/admin`, { headers: { cookie: signIn.cookie! } });
  assert.match(dashboard.body, /ACME could not get a certificate/);
  assert.doesNotMatch(
    dashboard.body,
    /certificate is self-signed/,
    'no advice to set POSTROOM_TLS_CERT while ACME is on',
  );
});
