// The console's sign-in (next-auth credentials, server/web/auth-options.ts) counts failures by the
// canonical account, together with the mail protocols, and by the client address it is given.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { authenticate } from '../../server/auth';
import { db } from '../../server/core/db';
import { authOptions } from '../../server/web/auth-options';

process.env.POSTROOM_AUTH_PENALTY_MS = '1';
process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '4';

const PASSWORD = 'Alice-pw-1234!';
let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addDomain('example.net', { aliasOf: 'example.org' });
  await addMailbox({ address: 'alice@example.org', password: PASSWORD });
});
after(async () => {
  await testDb.cleanup();
});

type Authorize = (
  credentials: Record<string, string>,
  request: { headers: Record<string, string> },
) => Promise<{ email?: string } | null>;

async function signIn(username: string, password: string, clientIp: string) {
  const provider = (await authOptions()).providers[0] as unknown as { options: { authorize: Authorize } };
  return provider.options.authorize({ username, password }, { headers: { 'x-forwarded-for': clientIp } });
}

test('web sign-in failures count by the canonical account, shared with IMAP, per client address', async () => {
  const spellings = ['ALICE@example.org.', 'alice@example.net', 'Alice@Example.Net.', 'alice@example.org'];
  for (let i = 0; i < 8; i++) assert.equal(await signIn(spellings[i % 4]!, `guess-${i}`, '127.0.0.8'), null);
  // Two more guesses over IMAP from the same address make ten for the pair.
  for (let i = 0; i < 2; i++)
    await authenticate({
      username: 'alice@example.org',
      password: 'x',
      protocol: 'imap',
      clientIp: '127.0.0.8',
    });
  await assert.rejects(signIn('alice@example.org', PASSWORD, '127.0.0.8'), /Too many failed sign-ins/);
  const imap = await authenticate({
    username: 'alice@EXAMPLE.org.',
    password: PASSWORD,
    protocol: 'imap',
    clientIp: '127.0.0.8',
  });
  assert.equal(!imap.ok && imap.reason, 'throttled');
  // The owner signs in from elsewhere, in any spelling.
  assert.equal((await signIn('Alice@example.net.', PASSWORD, '127.0.0.9'))?.email, 'alice@example.org');
  const failed = await db().event.findMany({ where: { protocol: 'web', action: 'auth', result: 'failed' } });
  assert.equal(failed.length, 8);
  assert.ok(failed.every((event) => event.user === 'alice@example.org' && event.clientIp === '127.0.0.8'));
});
