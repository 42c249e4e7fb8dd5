// One bad remote server must never stop the outbound queue: a peer that drops the connection after
// the final dot, one that never greets, one that answers a byte a second and one that floods. In
// each case mail to a good destination (the smtp-server sink) still goes out while the bad peer is
// holding its connection, and the bad entry ends deferred with the reason on its journey.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startSink, type Sink } from './smtp-sink';
import { startHostilePeer, type HostilePeer, type Misbehaviour } from './hostile-smtp-peer';
import { db } from '../../server/core/db';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { enqueueMessage, startQueueRunner, type QueueRunner, type QueueSettings } from '../../server/queue';
import { phaseTimeouts, type PhaseTimeouts } from '../../server/queue/timeouts';

let database: TestDatabase;
let sink: Sink;
const peers: HostilePeer[] = [];

before(async () => {
  database = await createTestDatabase();
  sink = await startSink();
});
after(async () => {
  await Promise.all(peers.map((peer) => peer.close()));
  await sink.close();
  await database.cleanup();
});

/** A destination domain "<name>.example" whose MX is the given port on 127.0.0.1. */
function zone(ports: Record<string, number>): Record<string, number> {
  const zoneData: Record<string, Record<string, unknown[]>> = {};
  const hostPorts: Record<string, number> = {};
  for (const [name, port] of Object.entries(ports)) {
    zoneData[`${name}.example`] = { MX: [{ exchange: `mx.${name}.example`, priority: 10 }] };
    zoneData[`mx.${name}.example`] = { A: ['127.0.0.1'] };
    hostPorts[`mx.${name}.example`] = port;
  }
  setDnsResolver(staticResolver(zoneData));
  return hostPorts;
}

async function hostileSetUp(
  how: Misbehaviour,
  timeouts: Partial<PhaseTimeouts>,
  extra: Partial<QueueSettings> = {},
) {
  const peer = await startHostilePeer(how);
  peers.push(peer);
  const hostPorts = zone({ good: sink.port, bad: peer.port });
  const runner = await startQueueRunner({
    pollMs: 200,
    hostPorts,
    timeouts: { ...phaseTimeouts(), ...timeouts },
    // A deferral is retried much later: each test sees exactly one attempt per entry.
    firstRetryMs: 3_600_000,
    destinationConcurrency: 2,
    ...extra,
  });
  return { peer, runner };
}

const send = (to: string, subject: string) =>
  enqueueMessage({
    sender: 'kim@foobar.com',
    recipients: [to],
    content: Buffer.from(`From: kim@foobar.com\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nHello\r\n`),
  });

async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const delivered = (address: string) => () => sink.messages.some((message) => message.to.includes(address));

async function endsDeferred(queueId: string, reason: RegExp): Promise<void> {
  const entry = await waitFor(`${queueId} deferred`, async () => {
    const row = await db().queueEntry.findUnique({ where: { queueId } });
    return row?.status === 'deferred' ? row : null;
  });
  assert.equal(entry.attempts, 1);
  assert.match(entry.lastReply ?? '', reason);
  assert.equal(entry.lockedBy, null, 'the claim is given back');
  // The journey page reads the event log.
  const event = await waitFor('the journey event', () =>
    db().event.findFirst({ where: { queueId, protocol: 'queue', action: 'deliver', result: 'deferred' } }),
  );
  const detail = JSON.parse(event.detail ?? '{}') as { reply?: string; remote?: string };
  assert.match(detail.reply ?? '', reason);
  assert.equal(detail.remote, 'mx.bad.example');
}

async function stop(runner: QueueRunner): Promise<void> {
  await runner.close();
}

test('a peer that drops the connection after the final dot: the entry is deferred, other mail flows', {
  timeout: 60_000,
}, async () => {
  const { peer, runner } = await hostileSetUp('abort-after-dot', {});
  try {
    const bad = await send('x@bad.example', 'dropped');
    const good = await send('a@good.example', 'beside the dropped one');
    await waitFor('the good mail', delivered('a@good.example'));
    await endsDeferred(
      bad,
      /^451 4\.4\.2 mx\.bad\.example\[127\.0\.0\.1\]:\d+: connection closed after the final dot/,
    );
    assert.equal(peer.messagesTaken, 1, 'tried once: no second host gets it after the dot');
    await waitFor(
      'the good entry to be done',
      async () => (await db().queueEntry.count({ where: { queueId: good } })) === 0,
    );
    // The runner is not stuck: later mail goes too.
    await send('b@good.example', 'afterwards');
    await waitFor('mail sent afterwards', delivered('b@good.example'));
  } finally {
    await stop(runner);
  }
});

test('a peer that never greets holds only its own destination (at most 2 connections); the rest flows', {
  timeout: 90_000,
}, async () => {
  const { peer, runner } = await hostileSetUp('silent', { greeting: 8_000 });
  try {
    const bad = [];
    for (let n = 0; n < 4; n++) bad.push(await send(`s${n}@bad.example`, `silent ${n}`));
    await waitFor('the silent peer to be connected', () => peer.open > 0);
    await send('c@good.example', 'beside the silent one');
    await waitFor('the good mail', delivered('c@good.example'));
    assert.ok(peer.open > 0, 'the good mail went while the silent peer still held its connections');
    for (const queueId of bad)
      await endsDeferred(queueId, /^451 4\.4\.2 .*no answer while waiting for the greeting within 8 s/);
    assert.equal(peer.mostOpen, 2, 'never more than the per-destination limit at once');
    assert.equal(
      peer.connections,
      4,
      'the entries that found the destination busy were tried once a slot freed',
    );
  } finally {
    await stop(runner);
  }
});

test('a peer answering one byte a second runs into the MAIL deadline; the rest flows', {
  timeout: 60_000,
}, async () => {
  const { peer, runner } = await hostileSetUp('trickle', { mail: 5_000 });
  try {
    const bad = await send('t@bad.example', 'trickled');
    await waitFor('the trickling peer to be connected', () => peer.open > 0);
    await send('d@good.example', 'beside the trickling one');
    await waitFor('the good mail', delivered('d@good.example'));
    assert.ok(peer.open > 0, 'the good mail went while the trickle went on');
    await endsDeferred(bad, /^451 4\.4\.2 .*no answer after MAIL FROM within 5 s/);
  } finally {
    await stop(runner);
  }
});

test('a peer flooding an endless greeting is cut off as a bad connection; the rest flows', {
  timeout: 60_000,
}, async () => {
  const { runner } = await hostileSetUp('flood', {});
  try {
    const bad = await send('f@bad.example', 'flooded');
    await send('e@good.example', 'beside the flood');
    await waitFor('the good mail', delivered('e@good.example'));
    await endsDeferred(bad, /^451 4\.4\.2 .*reply has too many lines while waiting for the greeting/);
  } finally {
    await stop(runner);
  }
});
