// How many mail worker processes run by default (server/cluster/settings.ts): one per core, but no
// more than one per GiB of memory, and always at least one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWorkerCount, workerProcessCount } from '../../server/cluster/settings';

const GiB = 1024 ** 3;
const MB = 1000 ** 2;

test('a 1 GB or 2 GB virtual machine runs one worker whatever its cores', () => {
  // What such machines report: less than their nominal size once the kernel has taken its part.
  assert.equal(defaultWorkerCount(1, 960 * MB), 1);
  assert.equal(defaultWorkerCount(2, 960 * MB), 1);
  assert.equal(defaultWorkerCount(4, 1990 * MB), 1);
  assert.equal(defaultWorkerCount(8, 512 * MB), 1);
});

test('bigger machines use every core, as far as their memory allows', () => {
  assert.equal(defaultWorkerCount(2, 4 * GiB), 2);
  assert.equal(defaultWorkerCount(4, 2.9 * GiB), 2);
  assert.equal(defaultWorkerCount(4, 16 * GiB), 4);
  assert.equal(defaultWorkerCount(8, 64 * GiB), 8);
  assert.equal(defaultWorkerCount(1, 64 * GiB), 1);
});

test('POSTROOM_WORKERS wins over the default and is checked', () => {
  const saved = process.env.POSTROOM_WORKERS;
  try {
    process.env.POSTROOM_WORKERS = '3';
    assert.equal(workerProcessCount(), 3);
    process.env.POSTROOM_WORKERS = '0';
    assert.throws(() => workerProcessCount(), /whole number of at least 1/);
    delete process.env.POSTROOM_WORKERS;
    assert.ok(workerProcessCount() >= 1);
  } finally {
    if (saved === undefined) delete process.env.POSTROOM_WORKERS;
    else process.env.POSTROOM_WORKERS = saved;
  }
});
