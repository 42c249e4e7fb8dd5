// POP3 AUTH OAUTHBEARER (RFC 7628) and XOAUTH2 with the webmail's access tokens, driven by
// Python's poplib over STLS and implicit TLS: offered in CAPA only where logins are allowed,
// accepted with and without an initial response (RFC 5034), refused with an RFC 7628 error
// challenge for a bad token or a token of another mailbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mintAccessToken } from '../../server/auth';
import { ALICE, BOB, createPop3World, run, type Pop3World } from '../helpers/pop3';

const driver = join(import.meta.dirname, '..', 'fixtures', 'pop3', 'poplib_driver.py');
let world: Pop3World;
type Result = { step?: string; ok?: unknown; error?: string };

async function poplib(
  mode: 'stls' | 'ssl' | 'plain',
  steps: (string | number | boolean)[][],
): Promise<Result[]> {
  const port = mode === 'ssl' ? world.servers.ports.pop3s : world.servers.ports.pop3;
  return (
    JSON.parse(
      await run('python3', [driver, mode, '127.0.0.1', String(port), world.cafile, JSON.stringify(steps)]),
    ) as Result[]
  ).slice(1);
}

before(async () => {
  world = await createPop3World({ allowPlainAuth: false });
});
after(async () => {
  await world.close();
});

test('CAPA offers OAUTHBEARER and XOAUTH2 after STLS only; both log in with a webmail token', async () => {
  const token = await mintAccessToken(world.aliceId);
  const [capaPlain, refused, , capaTls, login, stat, quit] = await poplib('stls', [
    ['capa'],
    ['auth_bearer', 'XOAUTH2', ALICE.address, token, true],
    ['stls'],
    ['capa'],
    ['auth_bearer', 'OAUTHBEARER', ALICE.address, token, true],
    ['stat'],
    ['quit'],
  ]);
  assert.ok(!('SASL' in (capaPlain!.ok as object)), JSON.stringify(capaPlain));
  assert.match(String(refused!.error), /^-ERR \[AUTH\] Plaintext authentication disallowed/);
  assert.deepEqual((capaTls!.ok as Record<string, string[]>).SASL, [
    'PLAIN',
    'LOGIN',
    'OAUTHBEARER',
    'XOAUTH2',
  ]);
  assert.match(String((login!.ok as { resp: string }).resp), /^\+OK Logged in, 3 messages/);
  assert.deepEqual(stat!.ok, [3, world.messages.reduce((sum, m) => sum + m.length, 0)]);
  assert.match(String(quit!.ok), /^\+OK/);

  // XOAUTH2 over implicit TLS, the response sent after the "+ " continuation.
  const [xoauth, uidl] = await poplib('ssl', [
    ['auth_bearer', 'XOAUTH2', ALICE.address, token, false],
    ['uidl', 1],
    ['quit'],
  ]);
  assert.match(String((xoauth!.ok as { resp: string }).resp), /^\+OK Logged in/);
  assert.match(String(uidl!.ok), /^\+OK 1 \d+\.\d+$/);
});

test('a forged token or one of another mailbox gets the RFC 7628 error challenge, then -ERR [AUTH]', async () => {
  const token = await mintAccessToken(world.aliceId);
  const forged = `${token.split('.')[0]}.AAAA${token.split('.')[1]!.slice(4)}`;
  const [bad, asBob, stat] = await poplib('ssl', [
    ['auth_bearer', 'OAUTHBEARER', ALICE.address, forged, true],
    ['auth_bearer', 'XOAUTH2', BOB.address, token, false],
    ['stat'],
  ]);
  for (const attempt of [bad, asBob]) {
    const answer = attempt!.ok as { challenge?: string; resp: string };
    assert.deepEqual(
      JSON.parse(answer.challenge ?? 'null'),
      { status: 'invalid_token', schemes: 'bearer' },
      JSON.stringify(attempt),
    );
    assert.match(answer.resp, /^-ERR \[AUTH\] Authentication failed/);
  }
  // Still in AUTHORIZATION: nothing was opened.
  assert.match(stat!.error ?? '', /^-ERR Command not valid in this state/);
  // A malformed response is refused at once, and the session goes on.
  const [malformed, capa] = await poplib('ssl', [['raw', 'AUTH XOAUTH2 not*base64'], ['capa']]);
  assert.match(malformed!.error ?? '', /^-ERR Malformed SASL XOAUTH2 response/);
  assert.ok('SASL' in (capa!.ok as object));
});
