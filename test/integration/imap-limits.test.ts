// IMAP against misbehaving peers (raw sockets): a TLS handshake that never starts (993 and after
// STARTTLS), one address opening more connections than allowed, one user logging in too often from
// one address, and trickled command lines, literals and AUTHENTICATE exchanges, which never go idle.
// Limits are short and set through the environment; the idle timeout stays at 30 minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, imapflowClient, PASSWORD, type ImapTestEnv } from './imap-support';
import { tcpPeer, tlsPeer, type Peer } from '../helpers/misbehaving-peers';

const SETTINGS: Record<string, string> = {
  POSTROOM_TLS_HANDSHAKE_TIMEOUT: '1',
  POSTROOM_COMMAND_TIMEOUT: '2',
  POSTROOM_AUTH_TIMEOUT: '2',
  POSTROOM_TRANSFER_GRACE: '2',
  POSTROOM_MIN_TRANSFER_RATE: '1024',
  POSTROOM_IMAP_MAX_CONN_PER_IP: '6',
  POSTROOM_IMAP_MAX_CONN_PER_USER_IP: '2',
};
// Generous: the limits are 1-2 s and a loaded 2-core machine may be slow.
const CLOSE_BOUND_MS = 45_000;

/**
 * Closed by the 1 s handshake deadline, not at once and not by something slower. (A test's own
 * duration is no measure: node:test bills the file's before() hook to the first test.)
 */
function assertHandshakeDeadline(tookMs: number | null): void {
  assert.ok(tookMs !== null && tookMs >= 800 && tookMs < 10_000, `closed after ${tookMs} ms (deadline 1 s)`);
}
let env: ImapTestEnv;

before(async () => {
  Object.assign(process.env, SETTINGS);
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
  for (const name of Object.keys(SETTINGS)) delete process.env[name];
});

async function greeted(secure: boolean): Promise<Peer> {
  const peer = secure ? await tlsPeer(env.servers.ports.imaps!) : await tcpPeer(env.servers.ports.imap!);
  await peer.waitFor(/^\* (OK|BYE) .*\r\n/m);
  return peer;
}

async function loggedIn(): Promise<Peer> {
  const peer = await greeted(true);
  await peer.command(`a0 LOGIN ${env.address} ${PASSWORD}`, /^a0 OK .*\r\n/);
  return peer;
}

test('IMAPS: a client that never sends a ClientHello is closed after the handshake timeout', async () => {
  const peer = await tcpPeer(env.servers.ports.imaps!);
  assertHandshakeDeadline(await peer.closesIn(CLOSE_BOUND_MS));
});

test('IMAPS: a ClientHello trickled a byte at a time is cut at the handshake deadline, not kept alive by each byte', async () => {
  const peer = await tcpPeer(env.servers.ports.imaps!);
  const started = Date.now();
  // A TLS handshake record header announcing 512 bytes, then the bytes, one every 100 ms.
  const hello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), Buffer.alloc(512, 1)]);
  void peer.trickle(hello, 100);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assertHandshakeDeadline(Date.now() - started);
});

test('STARTTLS then silence: closed after the handshake timeout', async () => {
  const peer = await greeted(false);
  await peer.command('s1 STARTTLS', /^s1 OK .*\r\n/);
  assertHandshakeDeadline(await peer.closesIn(CLOSE_BOUND_MS));
});

test('one address: the connection over the limit gets * BYE, a freed slot is usable again', async () => {
  const peers: Peer[] = [];
  for (let index = 0; index < 6; index++) peers.push(await greeted(false));
  for (const peer of peers) assert.match(peer.received, /^\* OK /);
  const refused = await tcpPeer(env.servers.ports.imap!);
  await refused.waitFor(/^\* BYE Too many connections from your address\r\n/);
  assert.equal(await refused.closedWithin(CLOSE_BOUND_MS), true);
  peers.pop()!.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const again = await greeted(false);
  assert.match(again.received, /^\* OK /);
  for (const peer of [...peers, again]) peer.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
});

test('one user from one address: the third login gets NO [LIMIT] (RFC 5530), LOGIN or AUTHENTICATE', async () => {
  const first = await loggedIn();
  const second = await loggedIn();
  const third = await greeted(true);
  await third.command(`a1 LOGIN ${env.address} ${PASSWORD}`, /^a1 NO \[LIMIT\] Too many connections\r\n/);
  const plain = Buffer.from(`\0${env.address}\0${PASSWORD}`).toString('base64');
  await third.command(`a2 AUTHENTICATE PLAIN ${plain}`, /^a2 NO \[LIMIT\] .*\r\n/);
  // Still not logged in: SELECT is refused.
  await third.command('a3 SELECT INBOX', /^a3 BAD .*\r\n/);
  await first.command('z LOGOUT', /^z OK .*\r\n/);
  await first.closedWithin(CLOSE_BOUND_MS);
  await third.command(`a4 LOGIN ${env.address} ${PASSWORD}`, /^a4 OK .*\r\n/);
  for (const peer of [second, third]) peer.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
});

test('a command line trickled one byte at a time gets * BYE though it never goes idle', async () => {
  const peer = await greeted(false);
  const sending = peer.trickle(`t1 LIST "" "${'x'.repeat(200)}"\r\n`, 200);
  await peer.waitFor(/^\* BYE Command not completed in time\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.ok((await sending) < 200);
});

test('a literal trickled below the minimum rate gets * BYE, nothing is appended', async () => {
  const peer = await loggedIn();
  await peer.command('t2 APPEND INBOX {400}', /^\+ .*\r\n/);
  const sending = peer.trickle(`Subject: slow\r\n\r\n${'x'.repeat(400)}`.slice(0, 400), 100);
  await peer.waitFor(/^\* BYE Command not completed in time\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.ok((await sending) < 400);
  const check = await loggedIn();
  await check.command('t3 STATUS INBOX (MESSAGES)', /^t3 OK .*\r\n/);
  assert.match(check.received, /^\* STATUS "?INBOX"? \(MESSAGES 0\)\r\n/m);
  check.destroy();
});

test('an AUTHENTICATE exchange trickled one byte at a time gets * BYE', async () => {
  const peer = await greeted(true);
  await peer.command('t4 AUTHENTICATE PLAIN', /^\+ ?\r\n/);
  const response = Buffer.from(`\0${env.address}\0${PASSWORD}`).toString('base64');
  const sending = peer.trickle(`${response}\r\n`, 250);
  await peer.waitFor(/^\* BYE Authentication took too long\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.ok((await sending) < response.length);
});

test('a real client at full speed is not disturbed (imapflow APPEND of 300 KB, FETCH)', async () => {
  const client = imapflowClient(env, true);
  await client.connect();
  await client.append('INBOX', `Subject: fast\r\n\r\n${'y'.repeat(300_000)}\r\n`);
  const lock = await client.getMailboxLock('INBOX');
  try {
    const message = await client.fetchOne('*', { source: true });
    assert.ok(message && message.source && message.source.length > 300_000);
  } finally {
    lock.release();
  }
  await client.logout();
});
