// POP3 on the wire: malformed input, the maildrop lock, SASL continuation, STLS command
// injection, sessions that end without QUIT, throttling, and the plain-auth setting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { db } from '../../server/core/db';
import { startPop3Servers } from '../../server/pop3';
import { lockMaildrop } from '../../server/store/maildrop';
import { ALICE, BOB, createPop3World, PopWire, type Pop3World } from '../helpers/pop3';

let world: Pop3World;
const plainAuth = (user: string, password: string) =>
  Buffer.from(`\0${user}\0${password}`).toString('base64');

async function loggedIn(user = ALICE): Promise<PopWire> {
  const wire = await PopWire.open(world.servers.ports.pop3s, true);
  assert.match(await wire.command(`AUTH PLAIN ${plainAuth(user.address, user.password)}`), /^\+OK/);
  return wire;
}

async function messageCount(): Promise<number> {
  return db().message.count({ where: { folderId: world.inboxId } });
}

before(async () => {
  // The auth core's growing delay for a failing address is tested in auth-penalty.test.ts; here
  // it would only slow every later login from 127.0.0.1 past the wire's 5 s reply timeout.
  process.env.POSTROOM_AUTH_PENALTY_MS = '0';
  world = await createPop3World();
});
after(async () => {
  delete process.env.POSTROOM_AUTH_PENALTY_MS;
  await world.close();
});

test('every malformed command gets -ERR and the session goes on', async () => {
  const wire = await loggedIn();
  const bad = [
    '',
    'FOO',
    'LIST abc',
    'LIST 1 2',
    'RETR',
    'RETR 0',
    'RETR 99',
    'RETR -1',
    'RETR 1x',
    'TOP 1',
    'TOP 1 -1',
    'TOP 1 x',
    'DELE',
    'DELE 4294967296',
    'STAT 1',
    'USER x',
    'PASS y',
    'AUTH PLAIN',
    'STLS',
    'UIDL 0',
    '\u00ff\u00fe binary',
    'NOOP extra',
  ];
  for (const line of bad) assert.match(await wire.command(line), /^-ERR/, JSON.stringify(line));
  // A line far over the limit is refused once, without the server buffering it all.
  wire.write(`LIST ${'9'.repeat(100_000)}\r\n`);
  assert.match(await wire.line(), /^-ERR Line too long/);
  assert.match(await wire.command('NOOP'), /^\+OK/);
  assert.match(await wire.command('STAT'), /^\+OK 3 /);
  wire.close();
});

test('pipelined commands are answered in order (RFC 2449 PIPELINING)', async () => {
  const wire = await loggedIn();
  wire.write('STAT\r\nLIST 1\r\nUIDL 1\r\nNOOP\r\n');
  assert.match(await wire.line(), /^\+OK 3 \d+$/);
  assert.match(await wire.line(), /^\+OK 1 \d+$/);
  assert.match(await wire.line(), /^\+OK 1 \d+\.\d+$/);
  assert.equal(await wire.line(), '+OK');
  assert.match(await wire.command('RETR 1'), /^\+OK \d+ octets$/);
  const body = await wire.body();
  assert.deepEqual(body.slice(-5), ['line one', '.starts with a dot', '..two dots', '.', 'last line']);
  wire.close();
});

test('the maildrop is locked while a session is open, also against another process', async () => {
  const first = await loggedIn();
  const second = await PopWire.open(world.servers.ports.pop3s, true);
  assert.match(
    await second.command(`AUTH PLAIN ${plainAuth(ALICE.address, ALICE.password)}`),
    /^-ERR \[IN-USE\]/,
  );
  // Another worker process sees the same lock row in the database.
  assert.equal(await lockMaildrop(world.aliceId), null);
  assert.match(await first.command('QUIT'), /^\+OK/);
  assert.match(await second.command(`AUTH PLAIN ${plainAuth(ALICE.address, ALICE.password)}`), /^\+OK/);
  second.close();
  // A dropped connection releases the lock too.
  for (let i = 0; i < 50; i++) {
    const lock = await lockMaildrop(world.aliceId);
    if (lock) {
      await lock.release();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('lock not released after the connection dropped');
});

test('an expired lock of a crashed session is taken over', async () => {
  const stale = await lockMaildrop(world.aliceId, 1);
  assert.ok(stale);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const wire = await loggedIn();
  assert.equal(await stale.refresh(), false);
  assert.match(await wire.command('QUIT'), /^\+OK/);
});

test('DELE without QUIT deletes nothing; QUIT removes exactly the marked messages', async () => {
  const count = await messageCount();
  const dropped = await loggedIn();
  assert.match(await dropped.command('DELE 1'), /^\+OK/);
  dropped.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await messageCount(), count);
  const wire = await loggedIn();
  assert.match(await wire.command('DELE 2'), /^\+OK/);
  assert.match(await wire.command('QUIT'), /^\+OK Bye, 1 messages deleted/);
  assert.equal(await messageCount(), count - 1);
});

test('AUTH PLAIN without initial response uses a "+ " continuation; "*" cancels', async () => {
  const wire = await PopWire.open(world.servers.ports.pop3s, true);
  assert.equal(await wire.command('AUTH PLAIN'), '+ ');
  assert.match(await wire.command('*'), /^-ERR/);
  assert.equal(await wire.command('AUTH PLAIN'), '+ ');
  assert.match(await wire.command('not base64!'), /^-ERR/);
  assert.equal(await wire.command('AUTH PLAIN'), '+ ');
  assert.match(await wire.command(plainAuth(BOB.address, BOB.password)), /^\+OK Logged in, 0 messages/);
  assert.match(await wire.command('STAT'), /^\+OK 0 0$/);
  assert.match(await wire.command('QUIT'), /^\+OK/);
});

test('no login before TLS on the plain port; commands pipelined behind STLS are dropped', async () => {
  const wire = await PopWire.open(world.servers.ports.pop3);
  assert.match(await wire.command(`USER ${ALICE.address}`), /^-ERR \[AUTH\]/);
  assert.match(
    await wire.command(`AUTH PLAIN ${plainAuth(ALICE.address, ALICE.password)}`),
    /^-ERR \[AUTH\]/,
  );
  // RFC 2595 section 8 / CVE-2011-0411: plaintext sent after STLS must not be obeyed after TLS.
  wire.write(`STLS\r\nUSER ${ALICE.address}\r\n`);
  assert.match(await wire.line(), /^\+OK Begin TLS/);
  await wire.upgrade();
  assert.match(await wire.command(`PASS ${ALICE.password}`), /^-ERR Send USER first/);
  assert.match(await wire.command('STLS'), /^-ERR/);
  assert.match(await wire.command(`USER ${ALICE.address}`), /^\+OK/);
  assert.match(await wire.command(`PASS ${ALICE.password}`), /^\+OK Logged in/);
  assert.match(await wire.command('QUIT'), /^\+OK/);
});

test('repeated failures are throttled by the shared auth core', async () => {
  const wire = await PopWire.open(world.servers.ports.pop3s, true);
  let last = '';
  for (let i = 0; i < 11; i++)
    last = await wire.command(`AUTH PLAIN ${plainAuth(BOB.address, `wrong-${i}`)}`);
  assert.match(last, /^-ERR \[SYS\/TEMP\] Too many failed logins/);
  // Even the right password is refused while throttled.
  assert.match(
    await wire.command(`AUTH PLAIN ${plainAuth(BOB.address, BOB.password)}`),
    /^-ERR \[SYS\/TEMP\]/,
  );
  assert.match(await wire.command('QUIT'), /^\+OK/);
});

test('POSTROOM_POP3_ALLOW_PLAIN_AUTH=1 allows USER/PASS without TLS', async () => {
  process.env.POSTROOM_POP3_ALLOW_PLAIN_AUTH = '1';
  const servers = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  delete process.env.POSTROOM_POP3_ALLOW_PLAIN_AUTH;
  try {
    const wire = await PopWire.open(servers.ports.pop3);
    wire.write('CAPA\r\n');
    assert.match(await wire.line(), /^\+OK/);
    const caps = await wire.body();
    assert.ok(
      caps.includes('USER') && caps.includes('SASL PLAIN LOGIN OAUTHBEARER XOAUTH2') && caps.includes('STLS'),
      caps.join(','),
    );
    assert.match(await wire.command(`USER ${ALICE.address}`), /^\+OK/);
    assert.match(await wire.command(`PASS ${ALICE.password}`), /^\+OK Logged in/);
    wire.write('UIDL\r\n');
    assert.match(await wire.line(), /^\+OK/);
    assert.ok((await wire.body()).every((line) => /^\d+ \d+\.\d+$/.test(line)));
    assert.match(await wire.command('QUIT'), /^\+OK/);
  } finally {
    await servers.close();
  }
});

test('RETR marks the message \\Seen at QUIT (for IMAP); TOP does not; nothing without QUIT', async () => {
  const seen = async () =>
    (
      await db().message.findMany({
        where: { folderId: world.inboxId },
        orderBy: { uid: 'asc' },
        select: { seen: true },
      })
    ).map((row) => row.seen);
  await db().message.updateMany({ where: { folderId: world.inboxId }, data: { seen: false } });
  const dropped = await loggedIn();
  assert.match(await dropped.command('RETR 1'), /^\+OK/);
  await dropped.body();
  dropped.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok((await seen()).every((flag) => !flag));
  const wire = await loggedIn();
  assert.match(await wire.command('RETR 1'), /^\+OK/);
  await wire.body();
  assert.match(await wire.command('TOP 2 0'), /^\+OK/);
  await wire.body();
  assert.match(await wire.command('QUIT'), /^\+OK/);
  const flags = await seen();
  assert.equal(flags[0], true);
  assert.ok(flags.slice(1).every((flag) => !flag));
});

test('fuzz: 5,000 mutated commands each get an answer; the server and the mailbox are unharmed', async () => {
  let seed = 0x5eed;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const bases = [
    'STAT',
    'LIST',
    'LIST 1',
    'RETR 1',
    'TOP 1 0',
    'UIDL',
    'UIDL 2',
    'DELE 3',
    'RSET',
    'NOOP',
    'CAPA',
    'USER a',
    'PASS b',
    'AUTH PLAIN AGFAYg==',
    'APOP x y',
  ];
  const lines: string[] = [];
  while (lines.length < 5000) {
    const bytes = [...Buffer.from(bases[random(bases.length)])];
    for (let edits = random(4); edits > 0; edits--) {
      const at = random(bytes.length + 1);
      const op = random(4);
      const byte = [0, 0x20, 0x2e, 0xff, 0x0d, 0x30 + random(10), 0x41 + random(26)][random(7)];
      if (op === 0) bytes.splice(at, 0, byte);
      else if (op === 1) bytes.splice(at, 1);
      else if (op === 2) bytes[at] = byte;
      else bytes.splice(at, 0, ...Array<number>(random(3000)).fill(byte));
    }
    const line = Buffer.from(bytes.filter((b) => b !== 0x0a)).toString('latin1');
    if (/^\s*(QUIT|STLS)\b/i.test(line) || /^\s*AUTH\s*\S*\s*$/i.test(line)) continue;
    lines.push(line);
  }
  const count = await messageCount();
  const wire = await loggedIn();
  let received = 0;
  wire.socket.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 0x0a) received++;
  });
  for (let i = 0; i < lines.length; i += 250)
    wire.write(
      lines
        .slice(i, i + 250)
        .map((line) => `${line}\r\n`)
        .join(''),
    );
  const deadline = Date.now() + 30_000;
  while (received < lines.length && Date.now() < deadline && !wire.closed)
    await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(received >= lines.length, `${received} response lines for ${lines.length} commands`);
  assert.equal(wire.closed, false);
  wire.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const again = await loggedIn();
  assert.match(await again.command('STAT'), /^\+OK \d+ \d+$/);
  assert.match(await again.command('QUIT'), /^\+OK Bye, 0 messages/);
  assert.equal(await messageCount(), count);
});
