// SMTP against misbehaving peers (raw sockets): a TLS handshake that never starts, a trickled
// command line, AUTH exchange and DATA (each byte would reset an idle timer), MAIL+RSET loops, and
// addresses that are not UTF-8. Short limits come from the environment; the idle timeout stays at
// its 5 minutes, so a close within the test's bound can only come from the new limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, type SmtpFixture } from './smtp-fixture';
import { tcpPeer, tlsPeer, type Peer } from '../helpers/misbehaving-peers';

let fixture: SmtpFixture;
// Generous: the limits are 1-2 s, a loaded 2-core machine may be slow, the idle timeout is 300 s.
const CLOSE_BOUND_MS = 45_000;

/**
 * Closed by the 1 s handshake deadline, not at once and not by something slower. (A test's own
 * duration is no measure: node:test bills the file's before() hook to the first test.)
 */
function assertHandshakeDeadline(tookMs: number | null): void {
  assert.ok(tookMs !== null && tookMs >= 800 && tookMs < 10_000, `closed after ${tookMs} ms (deadline 1 s)`);
}

before(async () => {
  process.env.POSTROOM_TLS_HANDSHAKE_TIMEOUT = '1';
  process.env.POSTROOM_COMMAND_TIMEOUT = '2';
  process.env.POSTROOM_AUTH_TIMEOUT = '2';
  process.env.POSTROOM_TRANSFER_GRACE = '2';
  process.env.POSTROOM_MIN_TRANSFER_RATE = '1024';
  fixture = await startFixture({ maxTransactionsWithoutRecipient: 20 });
});
after(async () => {
  await fixture.close();
  for (const name of [
    'POSTROOM_TLS_HANDSHAKE_TIMEOUT',
    'POSTROOM_COMMAND_TIMEOUT',
    'POSTROOM_AUTH_TIMEOUT',
    'POSTROOM_TRANSFER_GRACE',
    'POSTROOM_MIN_TRANSFER_RATE',
  ])
    delete process.env[name];
});

async function greeted(port: number): Promise<Peer> {
  const peer = await tcpPeer(port);
  await peer.waitFor(/^220 .*\r\n/m);
  return peer;
}

test('SMTPS: a client that never sends a ClientHello is closed after the handshake timeout', async () => {
  const peer = await tcpPeer(fixture.smtp.ports.smtps!);
  assertHandshakeDeadline(await peer.closesIn(CLOSE_BOUND_MS));
});

test('STARTTLS then silence: closed after the handshake timeout', async () => {
  const peer = await greeted(fixture.smtp.ports.submission!);
  peer.write('EHLO client.example\r\n');
  await peer.waitFor(/^250 /m);
  peer.write('STARTTLS\r\n');
  await peer.waitFor(/^220 2\.0\.0 Ready to start TLS\r\n/m);
  assertHandshakeDeadline(await peer.closesIn(CLOSE_BOUND_MS));
});

test('a command line trickled one byte at a time is cut off with 421 4.4.2', async () => {
  const peer = await greeted(fixture.smtp.ports.smtp!);
  const sending = peer.trickle(`EHLO ${'a'.repeat(200)}.example\r\n`, 200);
  await peer.waitFor(/^421 4\.4\.2 .*\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.ok((await sending) < 200, 'closed before the line was complete');
});

test('an AUTH exchange trickled one byte at a time is cut off with 421 4.4.2', async () => {
  const peer = await tlsPeer(fixture.smtp.ports.smtps!);
  await peer.waitFor(/^220 /m);
  peer.write('EHLO client.example\r\nAUTH PLAIN\r\n');
  await peer.waitFor(/^334 ?\r\n/m);
  const sending = peer.trickle(
    `${Buffer.from('\0kim@foobar.com\0wrong-password-here').toString('base64')}\r\n`,
    250,
  );
  await peer.waitFor(/^421 4\.4\.2 .*\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.ok((await sending) < 40);
});

test('DATA trickled below the minimum rate is cut off with 421 4.4.2 and nothing is stored', async () => {
  const stored = (await mailboxMessages('kim@foobar.com')).length;
  const peer = await greeted(fixture.smtp.ports.smtp!);
  await peer.command('EHLO client.example', /^250 /);
  await peer.command('MAIL FROM:<sender@client.example>', /^250 /);
  await peer.command('RCPT TO:<kim@foobar.com>', /^250 /);
  await peer.command('DATA', /^354 /);
  void peer.trickle(`Subject: slow\r\n\r\n${'x'.repeat(400)}\r\n.\r\n`, 100);
  await peer.waitFor(/^421 4\.4\.2 .*\r\n/m, CLOSE_BOUND_MS);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.equal((await mailboxMessages('kim@foobar.com')).length, stored);
});

test('a normal client is not disturbed: a message at full speed is accepted', async () => {
  const info = await nodemailer
    .createTransport({ host: '127.0.0.1', port: fixture.smtp.ports.smtp!, secure: false, ignoreTLS: true })
    .sendMail({
      from: 'sender@client.example',
      to: 'kim@foobar.com',
      subject: 'fast',
      text: 'y'.repeat(200_000),
    });
  assert.match(info.response, /^250 /);
});

test('30 MAIL+RSET pairs: the 21st MAIL of a transaction without recipient gets 421 4.7.0', async () => {
  const peer = await greeted(fixture.smtp.ports.smtp!);
  await peer.command('EHLO client.example', /^250 /);
  for (let pair = 0; pair < 30 && !peer.isClosed; pair++)
    peer.write('MAIL FROM:<sender@client.example>\r\nRSET\r\n');
  await peer.waitFor(/^421 4\.7\.0 Too many transactions without a recipient.*\r\n/m);
  assert.equal(await peer.closedWithin(CLOSE_BOUND_MS), true);
  assert.equal(peer.received.match(/^250 2\.1\.0 /gm)?.length, 20);
});

test('transactions that get a recipient are not counted', async () => {
  const peer = await greeted(fixture.smtp.ports.smtp!);
  await peer.command('EHLO client.example', /^250 /);
  for (let round = 0; round < 25; round++) {
    await peer.command('MAIL FROM:<sender@client.example>', /^250 2\.1\.0 /);
    await peer.command('RCPT TO:<kim@foobar.com>', /^250 2\.1\.5 /);
    await peer.command('RSET', /^250 2\.0\.0 /);
  }
  assert.doesNotMatch(peer.received, /^421 /m);
  peer.destroy();
});

test('addresses that are not UTF-8 get a permanent 553, not 451', async () => {
  const bad = (prefix: string, domain: string) =>
    Buffer.concat([Buffer.from(`${prefix}:<`), Buffer.from([0xc3, 0x28]), Buffer.from(`@${domain}>`)]);
  const peer = await greeted(fixture.smtp.ports.smtp!);
  await peer.command('EHLO client.example', /^250 /);
  await peer.command(bad('MAIL FROM', 'client.example'), /^553 5\.1\.7 .*\r\n/);
  await peer.command('MAIL FROM:<sender@client.example>', /^250 /);
  await peer.command(bad('RCPT TO', 'foobar.com'), /^553 5\.1\.3 .*\r\n/);
  await peer.command(bad('RCPT TO', 'example.test'), /^553 5\.1\.3 .*\r\n/);
  // A local part our own address rules refuse (a quoted string) is syntax too, not a local error.
  await peer.command('RCPT TO:<"a b"@foobar.com>', /^5\d\d 5\.1\.\d .*\r\n/);
  assert.doesNotMatch(peer.received, /^451 /m);
  peer.destroy();
});
