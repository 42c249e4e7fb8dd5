// The in-flight budget (server/core/inflight-budget.ts): a transfer over the budget waits until
// bytes are given back, the oldest holder always goes on (two part-way transfers cannot block each
// other), one transfer larger than the whole budget proceeds alone, and a transfer given up while
// waiting is let go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InflightBudget, maxInflightBytesFromEnv } from '../../server/core/inflight-budget';

const settled = async <T>(promise: Promise<T>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
};

test('a transfer over the budget waits until another gives its bytes back', async () => {
  const budget = new InflightBudget(100);
  const first = budget.open();
  const second = budget.open();
  await first.charge(80);
  const waiting = second.charge(30);
  assert.equal(await settled(waiting), false);
  first.release();
  assert.equal(await settled(waiting), true);
  assert.equal(budget.inUse, 30);
  assert.equal(budget.peak, 80);
});

test('two part-way transfers: the oldest goes on past the budget, so neither waits forever', async () => {
  const budget = new InflightBudget(100);
  const older = budget.open();
  const younger = budget.open();
  await older.charge(50);
  await younger.charge(50);
  const youngerMore = younger.charge(10);
  assert.equal(await settled(youngerMore), false);
  // The older one is let through although the budget is spent.
  assert.equal(await settled(older.charge(40)), true);
  older.release();
  assert.equal(await settled(youngerMore), true);
  younger.release();
  assert.equal(budget.inUse, 0);
});

test('one transfer larger than the whole budget proceeds alone', async () => {
  const budget = new InflightBudget(8);
  const big = budget.open();
  assert.equal(await settled(big.charge(10)), true);
  assert.equal(await settled(big.charge(10)), true);
  const other = budget.open();
  const waiting = other.charge(1);
  assert.equal(await settled(waiting), false);
  big.release();
  assert.equal(await settled(waiting), true);
});

test('a transfer released while waiting is let go and holds nothing', async () => {
  const budget = new InflightBudget(10);
  const holder = budget.open();
  await holder.charge(10);
  const quitter = budget.open();
  const waiting = quitter.charge(5);
  quitter.release();
  assert.equal(await settled(waiting), true);
  assert.equal(budget.inUse, 10);
});

test('POSTROOM_MAX_INFLIGHT_BYTES: 256 MiB by default, a positive number otherwise', () => {
  assert.equal(maxInflightBytesFromEnv({}), 256 * 1024 * 1024);
  assert.equal(maxInflightBytesFromEnv({ POSTROOM_MAX_INFLIGHT_BYTES: '8388608' }), 8 * 1024 * 1024);
  assert.throws(() => maxInflightBytesFromEnv({ POSTROOM_MAX_INFLIGHT_BYTES: '-1' }));
  assert.throws(() => maxInflightBytesFromEnv({ POSTROOM_MAX_INFLIGHT_BYTES: 'lots' }));
});
