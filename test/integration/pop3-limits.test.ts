// POP3 against misbehaving peers (raw sockets): a TLS handshake that never starts (995 and after
// STLS), one address opening more connections than allowed, and a trickled command line and AUTH
// exchange, which never go idle. Limits are short, set through the environment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPop3World, type Pop3World, ALICE } from '../helpers/pop3';
import { tcpPeer, tlsPeer, type Peer } from '../helpers/misbehaving-peers';

const SETTINGS: Record<string, string> = {
  POSTROOM_TLS_HANDSHAKE_TIMEOUT: '1',
  POSTROOM_COMMAND_TIMEOUT: '2',
  POSTROOM_AUTH_TIMEOUT: '2',
  POSTROOM_POP3_MAX_CONN_PER_IP: '4',
};
// Generous: the limits are 1-2 s and a loaded 2-core machine may be slow; idle stays 10 minutes.
const CLOSE_BOUND_MS = 45_000;

/**
 * Closed by the 1 s handshake deadline, not at once and not by something slower. (A test's own
 * duration is no measure: node:test bills the file's before() hook to the first test.)
 */
function assertHandshakeDeadline(tookMs: number | null): void {
  assert.ok(tookMs !== null && tookMs >= 800 && tookMs < 10_000, `closed after ${tookMs} ms (deadline 1 s)`);
}
let world: Pop3World;

before(async () => {
  Object.assign(process.env, SETTINGS);
  world = await createPop3World();
});
after(async () => {
  await world.close();
  for (const name of Object.keys(SETTINGS)) delete process.env[name];
});

async function greeted(secure: boolean): Promise<Peer> {
  const peer = secure ? await tlsPeer(world.servers.ports.pop3s) : await tcpPeer(world.servers.ports.pop3);
  await peer.waitFor(/^[+-](OK|ERR) .*\r\n/m);
  return peer;
}

test('POP3S: a client that never sends a ClientHello is closed after the handshake timeout', async () => {
  const peer = await tcpPeer(world.servers.ports.pop3s);
  assertHandshakeDeadline(await peer.closesIn(CLOSE_BOUND_MS));
});

test('STLS then silence: closed after the handshake timeout', async () => {
  const peer = await greeted(false);
  await peer.command('STLS', /^\+OK .*\r\n/);
  assertHandshakeDeadline(await peer.closesIn(CLOSE_BOUND_MS));
});

test('one address: the connection over the limit gets -ERR [SYS/TEMP], a freed slot is usable again', async () => {
  const peers: Peer[] = [];
  for (let index = 0; index < 4; index++) peers.push(await greeted(false));
  for (const peer of peers) assert.match(peer.received, /^\+OK /);
  const refused = await tcpPeer(world.servers.ports.pop3);
  await refused.waitFor(/^-ERR \[SYS\/TEMP\] Too many connections from your address\r\n/);
  assert.equal(await refused.closedWithin(CLOSE_BOUND_MS), true);
  await peers.pop()!.command('QUIT', /^\+OK .*\r\n/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const again = await greeted(false);
  assert.match(again.received, /^\+OK /);
  for (const peer of [...peers, again]) peer.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
});

test('a command line trickled one byte at a time gets -ERR and is closed though never idle', async () => {
  const peer = await greeted(false);
  const sending = peer.trickle(`USER ${'x'.repeat(200)}\r\n`, 200);
  await peer.waitFor(/^-ERR \[SYS\/TEMP\] Command not completed in time\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.ok((await sending) < 200);
});

test('an AUTH exchange trickled one byte at a time gets -ERR and is closed', async () => {
  const peer = await greeted(true);
  await peer.command('AUTH PLAIN', /^\+ ?\r\n/);
  const response = Buffer.from(`\0${ALICE.address}\0${ALICE.password}`).toString('base64');
  const sending = peer.trickle(`${response}\r\n`, 250);
  await peer.waitFor(/^-ERR \[SYS\/TEMP\] Authentication took too long\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.ok((await sending) < response.length);
});

test('a prompt client logs in and lists as before', async () => {
  const peer = await greeted(true);
  await peer.command(`USER ${ALICE.address}`, /^\+OK .*\r\n/);
  await peer.command(`PASS ${ALICE.password}`, /^\+OK .*\r\n/);
  await peer.command('STAT', /^\+OK 3 \d+\r\n/);
  await peer.command('QUIT', /^\+OK .*\r\n/);
});
