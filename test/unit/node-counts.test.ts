// Connection counts across nodes (server/cluster/node-counts.ts): which of the other nodes' rows
// count (fresh ones, never this node's own), what a node writes, and that a ledger grants only while
// its own count plus the other nodes' is under the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterLedger, slotOf } from '../../server/cluster/counter-ledger';
import { type CountRow, countChanges, otherNodesOpen, STALE_MS } from '../../server/cluster/node-counts';

const row = (node: string, key: string, open: number, ageMs = 100): CountRow => ({
  node,
  counter: 'smtp',
  key,
  open,
  ageMs,
});

test('other nodes: fresh rows are summed per counter and key, this node and stale rows are not', () => {
  const totals = otherNodesOpen(
    [
      row('a', '192.0.2.1', 2),
      row('b', '192.0.2.1', 3),
      row('self', '192.0.2.1', 7), // this node's own: counted from its ledger, not from here
      row('dead', '192.0.2.1', 5, STALE_MS + 1), // a node that stopped refreshing
      row('a', '192.0.2.2', 1, STALE_MS), // exactly at the limit still counts
      { ...row('a', '192.0.2.1', 4), counter: 'pop3' },
    ],
    'self',
    slotOf,
  );
  assert.equal(totals.get(slotOf('smtp', '192.0.2.1')), 5);
  assert.equal(totals.get(slotOf('smtp', '192.0.2.2')), 1);
  assert.equal(totals.get(slotOf('pop3', '192.0.2.1')), 4);
  assert.equal(totals.size, 3);
});

test('what a node writes: changed and new counts, and the slots that went to zero', () => {
  const published = new Map([
    ['s1', 2],
    ['s2', 1],
    ['s3', 4],
  ]);
  const now = new Map([
    ['s1', 2],
    ['s3', 5],
    ['s4', 1],
  ]);
  assert.deepEqual(countChanges(published, now), {
    set: [
      ['s3', 5],
      ['s4', 1],
    ],
    remove: ['s2'],
  });
  assert.deepEqual(countChanges(now, now), { set: [], remove: [] });
});

test("a ledger grants only while its own count plus the other nodes' is under the limit", () => {
  const ledger = new CounterLedger();
  let elsewhere = new Map([[slotOf('smtp', '192.0.2.1'), 2]]);
  let changes = 0;
  ledger.attach({ elsewhere: (slot) => elsewhere.get(slot) ?? 0, changed: () => changes++ });
  const ask = (key: string, id: number) =>
    ledger.acquire(1, { type: 'postroom-count-acquire', id, name: 'smtp', key, max: 3 });
  assert.equal(ask('192.0.2.1', 1).granted, true, '2 elsewhere + 0 here < 3');
  const refused = ask('192.0.2.1', 2);
  assert.equal(refused.granted, false, '2 elsewhere + 1 here = 3');
  assert.equal(refused.open, 3);
  assert.equal(ask('192.0.2.9', 3).granted, true, 'another address is not affected');
  assert.equal(changes, 2, 'every grant asks for a publish');
  // The other node's connections closed (or its rows went stale): room again.
  elsewhere = new Map();
  assert.equal(ask('192.0.2.1', 4).granted, true);
  assert.equal(ledger.open('smtp', '192.0.2.1'), 2);
  ledger.release(1, { type: 'postroom-count-release', name: 'smtp', key: '192.0.2.1' });
  ledger.releaseAll(1);
  assert.equal(changes, 2 + 1 + 1 + 2, 'releases ask for a publish too');
  assert.equal(ledger.snapshot().size, 0);
  // Detached (the database gone): this node's own count alone decides.
  ledger.attach(undefined);
  for (let id = 5; id < 8; id++) assert.equal(ask('192.0.2.1', id).granted, true);
  assert.equal(ask('192.0.2.1', 8).granted, false);
});
