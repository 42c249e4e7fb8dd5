// The auth penalty (like Dovecot's): an address with recent failures waits before every answer,
// right or wrong, the wait doubling per failure up to a cap; an address without failures does not
// wait, whatever other addresses did to the same account. Only lower bounds are timed strictly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { authenticate } from '../../server/auth';
import { penaltyDelayMs, throttleSettings } from '../../server/auth/throttle-settings';

process.env.POSTROOM_AUTH_PENALTY_MS = '3000';
process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '6000';

const PASSWORD = 'Alice-pw-1234!';
let testDb: TestDatabase;
before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: 'alice@example.org', password: PASSWORD });
});
after(async () => {
  await testDb.cleanup();
});

async function timedLogin(password: string, clientIp: string) {
  const started = Date.now();
  const result = await authenticate({ username: 'alice@example.org', password, protocol: 'pop3', clientIp });
  return { result, ms: Date.now() - started };
}

test('the penalty doubles from the first delay and stops at the cap', () => {
  const settings = { ...throttleSettings(), penaltyMs: 2000, penaltyMaxMs: 15_000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 50].map((failures) => penaltyDelayMs(failures, settings)),
    [0, 2000, 4000, 8000, 15_000, 15_000, 15_000],
  );
});

test('a failing address waits before every answer, even the right one; a clean address does not', async () => {
  const first = await timedLogin('wrong-1', '10.6.0.1');
  assert.equal(!first.result.ok && first.result.reason, 'invalid');
  const second = await timedLogin('wrong-2', '10.6.0.1');
  assert.ok(second.ms >= 3000, `second failure answered after ${second.ms} ms`);
  const third = await timedLogin('wrong-3', '10.6.0.1');
  assert.ok(third.ms >= 6000, `third failure answered after ${third.ms} ms`);
  // Waiting only on failures would let a guesser hang up on silence; the right password waits too.
  const right = await timedLogin(PASSWORD, '10.6.0.1');
  assert.equal(right.result.ok, true);
  assert.ok(right.ms >= 6000, `right password answered after ${right.ms} ms`);
  // The owner elsewhere is not slowed by the guesser.
  const owner = await timedLogin(PASSWORD, '10.6.0.2');
  assert.equal(owner.result.ok, true);
  assert.ok(owner.ms < 5000, `clean address answered after ${owner.ms} ms`);
});
