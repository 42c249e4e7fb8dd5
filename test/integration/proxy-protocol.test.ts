// PROXY protocol (HAProxy's proxy-protocol.txt, v1 and v2) on the real worker's listeners. The
// allowed proxy is 127.0.0.2 (a loopback source address of its own); the test's fake proxy connects
// from there, and Debian's haproxy is put in front of SMTP and IMAP with send-proxy-v2. Peers from
// 127.0.0.1 are not allowed to send a header: theirs is a bad command like any other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { Peer, tcpPeer } from '../helpers/misbehaving-peers';
import { addAccessRule, addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { alive, spawned, startClusterWorker, waitFor, type ClusterWorker } from './worker-cluster';
import { mailboxMessages } from './smtp-fixture';
import { freePort } from '../helpers/free-port';

const PASSWORD = 'Correct-horse-9-battery';
const PROXY = '127.0.0.2';
let database: TestDatabase;
let worker: ClusterWorker;
let ports: Record<string, number>;
let haproxy: ChildProcess | undefined;
let haproxyDir: string | undefined;

before(async () => {
  database = await createTestDatabase();
  await addDomain('foobar.com');
  await addMailbox({ address: 'kim@foobar.com', password: PASSWORD });
  await addAccessRule({ pattern: '198.51.100.66', action: 'REJECT', message: 'Go away' });
  worker = await startClusterWorker({
    // Two node:cluster children: the header is read by whichever child was handed the socket.
    POSTROOM_WORKERS: '2',
    POSTROOM_HOSTNAME: 'mx.foobar.com',
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_PROXY_PROTOCOL_FROM: `${PROXY}/32, 2001:db8:ffff::/48`,
    POSTROOM_PROXY_PROTOCOL_TIMEOUT: '1',
    POSTROOM_SMTP_GREET_PAUSE_MS: '0',
    POSTROOM_SMTP_MAX_CONN_PER_IP: '2',
    POSTROOM_IMAP_MAX_CONN_PER_IP: '2',
    // Short, so that the IMAPS test below sees a proxied session outlive it.
    POSTROOM_TLS_HANDSHAKE_TIMEOUT: '2',
  });
  await waitFor('both children', () => worker.children().size === 2);
  const ready = worker.logs.find((line) => line.msg === 'mail worker listening')!;
  ports = { ...worker.ports, managesieve: Number(ready.managesieve) };
});

after(async () => {
  if (haproxy && haproxy.exitCode === null) haproxy.kill('SIGKILL');
  if (haproxyDir) rmSync(haproxyDir, { recursive: true, force: true });
  for (const primary of spawned) if (primary.pid && alive(primary.pid)) primary.kill('SIGKILL');
  for (const pid of worker ? worker.children().values() : []) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await database.cleanup();
});

/** A raw connection from `source` (127.0.0.2 is the allowed proxy). */
async function rawFrom(port: number, source = PROXY): Promise<Socket> {
  const socket = connectTcp({ port, host: '127.0.0.1', localAddress: source });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** The fake proxy: connects from 127.0.0.2 and sends `header` (then TLS, for implicit-TLS ports). */
async function proxied(port: number, header: string | Buffer, tls = false): Promise<Peer> {
  const raw = await rawFrom(port);
  raw.write(header);
  if (!tls) return new Peer(raw);
  const socket = connectTls({ socket: raw, rejectUnauthorized: false });
  const peer = new Peer(socket);
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return peer;
}

const v1 = (source: string, sourcePort = 40000) =>
  `PROXY ${source.includes(':') ? 'TCP6' : 'TCP4'} ${source} ${source.includes(':') ? '::1' : '127.0.0.1'} ${sourcePort} 25\r\n`;

/** A version 2 header; `command` 0 is LOCAL, 1 PROXY. */
function v2(source: string, command = 1, extra = Buffer.alloc(0)): Buffer {
  const signature = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
  const six = source.includes(':');
  const addresses = Buffer.alloc(six ? 36 : 12);
  if (six) {
    // Only the forms this test uses: "a:b::c" with one "::".
    const [head, tail] = source.split('::') as [string, string];
    const groups = (text: string) => (text ? text.split(':').map((group) => Number.parseInt(group, 16)) : []);
    const left = groups(head);
    const right = groups(tail);
    const all = [...left, ...Array(8 - left.length - right.length).fill(0), ...right] as number[];
    for (const [i, group] of all.entries()) addresses.writeUInt16BE(group, i * 2);
    addresses.writeUInt16BE(0xfffe, 32); // source port 65534
    addresses.writeUInt16BE(25, 34);
  } else {
    Buffer.from(source.split('.').map(Number)).copy(addresses, 0);
    Buffer.from([127, 0, 0, 1]).copy(addresses, 4);
    addresses.writeUInt16BE(40001, 8);
    addresses.writeUInt16BE(25, 10);
  }
  const body = Buffer.concat([addresses, extra]);
  const head = Buffer.from([0x20 | command, six ? 0x21 : 0x11, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([signature, head, body]);
}

async function eventFor(where: { clientIp: string; protocol?: string; action?: string }) {
  let found: Awaited<ReturnType<ReturnType<typeof db>['event']['findFirst']>> = null;
  await waitFor(
    `an event from ${where.clientIp}`,
    async () => (found = await db().event.findFirst({ where, orderBy: { id: 'desc' } })) !== null,
    10_000,
  );
  return found!;
}

/** A whole SMTP transaction on `peer` (greeted already); gives the last reply. */
async function sendMail(peer: Peer, subject: string, login = false): Promise<string> {
  await peer.command('EHLO client.example', /^250 /);
  if (login)
    await peer.command(
      `AUTH PLAIN ${Buffer.from(`\0kim@foobar.com\0${PASSWORD}`).toString('base64')}`,
      /^235 /,
    );
  await peer.command(`MAIL FROM:<${login ? 'kim@foobar.com' : 'sender@elsewhere.example'}>`, /^250 /);
  await peer.command('RCPT TO:<kim@foobar.com>', /^250 /);
  await peer.command('DATA', /^354 /);
  return peer.command(`Subject: ${subject}\r\n\r\nhello\r\n.`, /^\d{3} .*/, 30_000);
}

test('SMTP behind a v1 proxy: the Received header and the event log name the client', async () => {
  const peer = await proxied(ports.smtp!, v1('203.0.113.7'));
  await peer.waitFor(/^220 /m);
  assert.match(await sendMail(peer, 'via v1'), /^250 /);
  await peer.command('QUIT', /^221 /);
  const messages = await mailboxMessages('kim@foobar.com');
  const message = messages.find((text) => text.includes('Subject: via v1'));
  assert.ok(message);
  assert.match(message, /^Received: from client\.example \([^)]*\[203\.0\.113\.7\]\)/m);
  assert.doesNotMatch(message.split('\r\n\r\n')[0]!, /127\.0\.0\.2/);
  const connect = await eventFor({ clientIp: '203.0.113.7', protocol: 'smtp', action: 'connect' });
  assert.equal(connect.result, 'accept');
});

test('SMTP: v2 over IPv6, v2 LOCAL (a health check keeps the proxy address), SMTPS with the header before TLS', async () => {
  const six = await proxied(ports.smtp!, v2('2001:db8:1::7'));
  await six.waitFor(/^220 /m);
  await six.command('QUIT', /^221 /);
  await eventFor({ clientIp: '2001:db8:1::7', protocol: 'smtp', action: 'connect' });

  const local = await proxied(ports.smtp!, v2('192.0.2.99', 0));
  await local.waitFor(/^220 /m);
  await local.command('QUIT', /^221 /);
  await eventFor({ clientIp: PROXY, protocol: 'smtp', action: 'connect' });

  // The header, then the handshake, in one go as a proxy would.
  const secure = await proxied(ports.smtps!, v2('203.0.113.8'), true);
  await secure.waitFor(/^220 /m);
  assert.match(await sendMail(secure, 'via smtps', true), /^250 /);
  const message = (await mailboxMessages('kim@foobar.com')).find((text) =>
    text.includes('Subject: via smtps'),
  );
  assert.match(message ?? '', /^Received: from client\.example \([^)]*\[203\.0\.113\.8\]\)/m);
});

test('an access rule REJECT for the proxied client refuses it', async () => {
  const peer = await proxied(ports.smtp!, v2('198.51.100.66'));
  const greeting = await peer.waitFor(/^(\d{3}) .*\r\n/m);
  assert.match(greeting[0], /^5\d\d /);
  assert.match(greeting[0], /Go away/);
  const refused = await eventFor({ clientIp: '198.51.100.66', protocol: 'smtp', action: 'connect' });
  assert.equal(refused.result, 'reject');
});

test('IMAP, IMAPS, POP3S and ManageSieve see the proxied address', async () => {
  const imap = await proxied(ports.imap!, v1('203.0.113.21'));
  await imap.waitFor(/^\* OK/m);
  await imap.command(`a LOGIN kim@foobar.com ${PASSWORD}`, /^a OK/);
  await eventFor({ clientIp: '203.0.113.21', protocol: 'imap' });
  imap.destroy();

  const imaps = await proxied(ports.imaps!, v2('2001:db8:2::21'), true);
  await imaps.waitFor(/^\* OK/m);
  await imaps.command('a LOGIN kim@foobar.com wrong-password', /^a NO/);
  await eventFor({ clientIp: '2001:db8:2::21', protocol: 'imap' });
  imaps.destroy();

  const pop3s = await proxied(ports.pop3s!, v1('203.0.113.22'), true);
  await pop3s.waitFor(/^\+OK/m);
  await pop3s.command('USER kim@foobar.com', /^\+OK/);
  await pop3s.command(`PASS ${PASSWORD}`, /^\+OK/);
  await eventFor({ clientIp: '203.0.113.22', protocol: 'pop3' });
  pop3s.destroy();

  const sieve = await proxied(ports.managesieve!, v2('203.0.113.23'));
  await sieve.waitFor(/^OK/m);
  sieve.destroy();
});

test('per-address connection limits count the proxied client, not the proxy; the TLS handshake deadline is lifted', async () => {
  const open: Peer[] = [];
  try {
    for (const client of ['203.0.113.31', '203.0.113.32', '203.0.113.33', '203.0.113.31']) {
      const peer = await proxied(ports.smtp!, v1(client));
      open.push(peer);
      await peer.waitFor(/^220 /m);
    }
    const third = await proxied(ports.smtp!, v2('203.0.113.31'));
    open.push(third);
    assert.match((await third.waitFor(/^\d{3} .*/m))[0], /^421 4\.7\.0 /);

    const imaps: Peer[] = [];
    for (let i = 0; i < 2; i++) {
      const peer = await proxied(ports.imaps!, v2('2001:db8:3::1'), true);
      open.push(peer);
      imaps.push(peer);
      await peer.waitFor(/^\* OK/m);
    }
    const refused = await proxied(ports.imaps!, v1('2001:db8:3::1'), true);
    open.push(refused);
    await refused.waitFor(/^\* BYE Too many connections/m);
    // Past POSTROOM_TLS_HANDSHAKE_TIMEOUT (2 s): the deadline was cleared for the proxied socket.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.match(await imaps[0]!.command('n NOOP', /^n \w+/), /^n OK/);
  } finally {
    for (const peer of open) peer.destroy();
  }
});

test('malformed, trickled and missing headers from the proxy are dropped without a greeting', async () => {
  const bad: (string | Buffer)[] = [
    'EHLO client.example\r\n',
    'PROXY TCP4 999.0.0.1 127.0.0.1 1 25\r\n',
    'PROXY TCP6 203.0.113.7 ::1 1 25\r\n',
    'PROXY TCP4 203.0.113.7 127.0.0.1 65536 25\r\n',
    `PROXY TCP4 203.0.113.7 127.0.0.1 1 25${' '.repeat(120)}\r\n`,
    Buffer.concat([v2('203.0.113.7').subarray(0, 12), Buffer.from([0x31, 0x11, 0, 12]), Buffer.alloc(12)]),
    Buffer.concat([v2('203.0.113.7').subarray(0, 12), Buffer.from([0x21, 0x11, 0, 4]), Buffer.alloc(4)]),
    Buffer.concat([v2('203.0.113.7').subarray(0, 12), Buffer.from([0x21, 0x11, 0xff, 0xff])]),
  ];
  for (const [port, header] of bad.flatMap((header) => [
    [ports.smtp!, header] as const,
    [ports.imap!, header] as const,
  ])) {
    const peer = await proxied(port, header);
    assert.ok(await peer.closedWithin(3000), `not closed after ${JSON.stringify(header.toString())}`);
    assert.equal(peer.received, '', `answered ${JSON.stringify(header.toString())}`);
  }
  // Nothing at all, and a header trickled byte by byte: dropped at the 1 s deadline.
  for (const port of [ports.smtp!, ports.pop3!, ports.imaps!]) {
    const silent = new Peer(await rawFrom(port));
    const started = Date.now();
    assert.ok(await silent.closedWithin(4000));
    assert.ok(Date.now() - started >= 800, 'dropped before the deadline');
    assert.equal(silent.received, '');
  }
  const trickler = new Peer(await rawFrom(ports.smtp!));
  const sent = await trickler.trickle(v1('203.0.113.7'), 100);
  assert.ok(sent < v1('203.0.113.7').length, 'the trickled header was read to its end');
  assert.equal(trickler.received, '');
});

test('a peer that is not an allowed proxy gets the normal error for a PROXY line', async () => {
  const smtp = await tcpPeer(ports.smtp!);
  await smtp.waitFor(/^220 /m);
  assert.match(await smtp.command(v1('203.0.113.7').trim(), /^5\d\d .*/), /^5\d\d 5\.5\.\d/);
  await smtp.command('QUIT', /^221 /);
  const imap = await tcpPeer(ports.imap!);
  await imap.waitFor(/^\* OK/m);
  await imap.command(v1('203.0.113.7').trim(), /^(\* |PROXY )?BAD.*/);
  imap.destroy();
  const pop3 = await tcpPeer(ports.pop3!);
  await pop3.waitFor(/^\+OK/m);
  await pop3.command(v1('203.0.113.7').trim(), /^-ERR.*/);
  pop3.destroy();
  const sieve = await tcpPeer(ports.managesieve!);
  await sieve.waitFor(/^OK/m);
  await sieve.command(v1('203.0.113.7').trim(), /^NO.*/);
  sieve.destroy();
  // And it was never taken for the client address.
  assert.equal(
    await db().event.count({ where: { clientIp: '203.0.113.7', protocol: 'smtp', action: 'connect' } }),
    1,
  );
});

test("Debian's haproxy with send-proxy-v2 in front of SMTP and IMAP: nodemailer and imapflow seen with their address", async () => {
  haproxyDir = mkdtempSync(join(tmpdir(), 'postroom-haproxy-'));
  const front = { smtp: await freePort(), imap: await freePort() };
  const config = join(haproxyDir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 64',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      ...(['smtp', 'imap'] as const).flatMap((name) => [
        `listen ${name}`,
        `  bind 127.0.0.1:${front[name]}`,
        `  server worker 127.0.0.1:${ports[name]} send-proxy-v2 source ${PROXY}`,
      ]),
      '',
    ].join('\n'),
  );
  haproxy = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  haproxy.stderr!.on('data', (chunk) => (stderr += chunk));
  await waitFor('haproxy to listen', () => canConnect(front.smtp), 10_000).catch((error: Error) => {
    throw new Error(`${error.message}: ${stderr}`);
  });

  const transport = createTransport({
    host: '127.0.0.1',
    port: front.smtp,
    localAddress: '127.0.0.3',
    name: 'nodemailer.example',
    tls: { rejectUnauthorized: false },
  });
  await transport.sendMail({
    from: 'sender@elsewhere.example',
    to: 'kim@foobar.com',
    subject: 'through haproxy',
    text: 'hello',
  });
  transport.close();
  const message = (await mailboxMessages('kim@foobar.com')).find((text) => text.includes('through haproxy'));
  assert.match(message ?? '', /^Received: from nodemailer\.example \([^)]*\[127\.0\.0\.3\]\)/m);
  await eventFor({ clientIp: '127.0.0.3', protocol: 'smtp', action: 'connect' });

  const client = new ImapFlow({
    host: '127.0.0.1',
    port: front.imap,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'kim@foobar.com', pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  const inbox = await client.mailboxOpen('INBOX');
  assert.ok(inbox.exists >= 1);
  await client.logout();
  // The test's own address (127.0.0.1), not haproxy's (127.0.0.2).
  const login = await eventFor({ clientIp: '127.0.0.1', protocol: 'imap' });
  assert.equal(login.user, 'kim@foobar.com');
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
