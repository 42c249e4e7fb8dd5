// POSTROOM_WORKERS=2: the real worker as a cluster primary with two children sharing the ports.
// Connections reach both children; IDLE in one hears an SMTP delivery taken by the other within a
// second; the per-address SMTP limit holds across both (stalling and dropping peers included); a
// child killed or hung is replaced while the ports keep answering and the primary keeps answering
// its supervisor's heartbeat; SIGTERM stops everything within POSTROOM_WORKER_STOP_SECONDS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { tcpPeer, type Peer } from '../helpers/misbehaving-peers';
import { addDomain, addMailbox } from '../../server/domain';
import { alive, type ClusterWorker, ownerOf, spawned, startClusterWorker, waitFor } from './worker-cluster';

const PASSWORD = 'Correct-horse-9-battery';
const MAX_SMTP_PER_ADDRESS = 3;
const MAX_IMAP_PER_ADDRESS = 12;
const MAX_POP3_PER_ADDRESS = 3;
const MAX_IMAP_PER_USER_ADDRESS = 6;
let database: TestDatabase;
let worker: ClusterWorker;
const peers: Peer[] = [];

before(async () => {
  database = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: 'alice@example.org', password: PASSWORD });
  await addMailbox({ address: 'bob@example.org', password: PASSWORD });
  worker = await startClusterWorker(
    {
      POSTROOM_WORKERS: '2',
      POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
      POSTROOM_SMTP_MAX_CONN_PER_IP: String(MAX_SMTP_PER_ADDRESS),
      POSTROOM_IMAP_MAX_CONN_PER_IP: String(MAX_IMAP_PER_ADDRESS),
      POSTROOM_POP3_MAX_CONN_PER_IP: String(MAX_POP3_PER_ADDRESS),
      POSTROOM_IMAP_MAX_CONN_PER_USER_IP: String(MAX_IMAP_PER_USER_ADDRESS),
      POSTROOM_WORKER_HEARTBEAT_SECONDS: '0.5',
      POSTROOM_WORKER_HEARTBEAT_TIMEOUT_SECONDS: '5',
      POSTROOM_WORKER_STOP_SECONDS: '4',
    },
    true,
  );
  await waitFor('both children', () => worker.children().size === 2);
});
after(async () => {
  for (const peer of peers) peer.destroy();
  // The children leave by themselves once their primary's channel closes.
  for (const primary of spawned) if (primary.pid && alive(primary.pid)) primary.kill('SIGKILL');
  for (const pid of worker ? worker.children().values() : []) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await database.cleanup();
});

const childPids = () => [...worker.children().values()];

async function peer(port: number): Promise<Peer> {
  const connected = await tcpPeer(port);
  peers.push(connected);
  return connected;
}

/** IMAP connections until both children hold at least `each`; returns them with their owners. */
async function imapOnBothChildren(each: number): Promise<{ peer: Peer; owner: number }[]> {
  const held: { peer: Peer; owner: number }[] = [];
  const count = (pid: number) => held.filter((entry) => entry.owner === pid).length;
  for (let tries = 0; tries < 40 && !childPids().every((pid) => count(pid) >= each); tries++) {
    const client = await peer(worker.ports.imap!);
    await client.waitFor(/^\* OK .*\r\n/m);
    const owner = await ownerOf(client.socket, worker.ports.imap!, childPids());
    assert.ok(owner, 'a child holds the connection');
    held.push({ peer: client, owner });
  }
  assert.ok(
    childPids().every((pid) => count(pid) >= each),
    'round-robin gives both children connections',
  );
  return held;
}

/** An SMTP greeting: 220, or the limit's 421 (then the server closes). */
async function smtpGreeting(client: Peer): Promise<string> {
  return (await client.waitFor(/^(220|421) .*\r\n/m))[0];
}

test('connections are shared out between both children', { timeout: 60_000 }, async () => {
  const held = await imapOnBothChildren(2);
  assert.equal(new Set(held.map((entry) => entry.owner)).size, 2);
  for (const entry of held) entry.peer.destroy();
});

test('on a first start every child serves the one certificate in the data directory (the webmail pins it)', {
  timeout: 60_000,
}, async () => {
  const onDisk = new X509Certificate(readFileSync(join(process.env.POSTROOM_DATA_DIR!, 'tls', 'cert.pem')));
  const seen = new Map<number, string>();
  for (let tries = 0; tries < 40 && seen.size < 2; tries++) {
    const socket = tls.connect({ host: '127.0.0.1', port: worker.ports.imaps!, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    const owner = await ownerOf(socket, worker.ports.imaps!, childPids());
    seen.set(owner!, socket.getPeerX509Certificate()!.fingerprint256);
    socket.destroy();
  }
  assert.equal(seen.size, 2, 'both children answered');
  for (const fingerprint of seen.values()) assert.equal(fingerprint, onDisk.fingerprint256);
});

test('IDLE in one child hears an SMTP delivery taken by the other within a second', {
  timeout: 60_000,
}, async () => {
  const idlers = await imapOnBothChildren(2);
  for (const [index, { peer: client }] of idlers.entries()) {
    await client.command(`l${index} LOGIN alice@example.org "${PASSWORD}"`, /^l\d+ OK.*\r\n/);
    await client.command(`s${index} SELECT INBOX`, /^s\d+ OK.*\r\n/);
    await client.command(`i${index} IDLE`, /^\+ .*\r\n/);
  }
  const smtp = await peer(worker.ports.smtp!);
  assert.match(await smtpGreeting(smtp), /^220 /);
  const deliveredBy = await ownerOf(smtp.socket, worker.ports.smtp!, childPids());
  await smtp.command('EHLO client.example.net', /^250 .*\r\n/);
  await smtp.command('MAIL FROM:<bob@example.net>', /^250 .*\r\n/);
  await smtp.command('RCPT TO:<alice@example.org>', /^250 .*\r\n/);
  await smtp.command('DATA', /^354 .*\r\n/);
  await smtp.command('From: bob@example.net\r\nSubject: across children\r\n\r\nHello\r\n.', /^250 .*\r\n/);
  const committedAt = Date.now();
  const others = idlers.filter((entry) => entry.owner !== deliveredBy);
  assert.ok(others.length >= 2, 'sessions idle in the child that did not take the mail');
  await Promise.all(
    others.map(async ({ peer: client }) => {
      await client.waitFor(/^\* 1 EXISTS\r\n/m, 5000);
      const tookMs = Date.now() - committedAt;
      assert.ok(tookMs <= 1000, `EXISTS ${tookMs} ms after the 250 in the other child`);
    }),
  );
  for (const { peer: client } of idlers.filter((entry) => entry.owner === deliveredBy))
    await client.waitFor(/^\* 1 EXISTS\r\n/m, 5000);
  await smtp.command('QUIT', /^221 .*\r\n/);
  for (const { peer: client } of idlers) client.destroy();
});

test('the per-address SMTP limit holds across both children; dropped and stalled peers give their places back', {
  timeout: 90_000,
}, async () => {
  /** Takes the limit's places with peers that stall after the greeting. */
  const fill = async () => {
    const stalled: Peer[] = [];
    await waitFor(
      'all places free again',
      async () => {
        const client = await peer(worker.ports.smtp!);
        if (/^220 /.test(await smtpGreeting(client))) stalled.push(client);
        else client.destroy();
        return stalled.length === MAX_SMTP_PER_ADDRESS;
      },
      30_000,
    );
    return stalled;
  };
  const stalled = await fill();
  const owners = await Promise.all(
    stalled.map((client) => ownerOf(client.socket, worker.ports.smtp!, childPids())),
  );
  assert.equal(new Set(owners).size, 2, 'the places are held in both children');
  for (let attempt = 0; attempt < 4; attempt++) {
    const refused = await peer(worker.ports.smtp!);
    assert.match(await smtpGreeting(refused), /^421 4\.7\.0 Too many connections/);
    assert.ok(await refused.closedWithin(10_000), 'the refused connection is closed');
  }
  // Twenty peers that drop at once, some before the count was even answered, leak nothing.
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      const dropper = await peer(worker.ports.smtp!);
      dropper.destroy();
    }),
  );
  for (const client of stalled) client.destroy();
  const again = await fill();
  const refused = await peer(worker.ports.smtp!);
  assert.match(await smtpGreeting(refused), /^421 4\.7\.0 /);
  for (const client of again) client.destroy();
});

test('the per-address IMAP and POP3 limits hold across both children', { timeout: 90_000 }, async () => {
  const plans = [
    {
      port: worker.ports.imap!,
      max: MAX_IMAP_PER_ADDRESS,
      ok: /^\* OK /,
      refused: /^\* BYE Too many connections/,
    },
    {
      port: worker.ports.pop3!,
      max: MAX_POP3_PER_ADDRESS,
      ok: /^\+OK /,
      refused: /^-ERR \[SYS\/TEMP\] Too many/,
    },
  ];
  for (const plan of plans) {
    const greeting = async (client: Peer) => (await client.waitFor(/^(\* OK|\* BYE|\+OK|-ERR) .*\r\n/m))[0];
    const stalled: Peer[] = [];
    // Places of earlier tests' connections may take a moment to be given back.
    await waitFor(
      `${plan.max} places on ${plan.port}`,
      async () => {
        const client = await peer(plan.port);
        if (plan.ok.test(await greeting(client))) stalled.push(client);
        else client.destroy();
        return stalled.length === plan.max;
      },
      30_000,
    );
    const owners = await Promise.all(stalled.map((client) => ownerOf(client.socket, plan.port, childPids())));
    assert.equal(new Set(owners).size, 2, 'the places are held in both children');
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await peer(plan.port);
      assert.match(await greeting(refused), plan.refused);
      refused.destroy();
    }
    for (const client of stalled) client.destroy();
  }
});

test('the per-user-and-address IMAP login limit holds across both children; leavers give their places back', {
  timeout: 90_000,
}, async () => {
  let tag = 0;
  /** A new connection's LOGIN as bob: its tagged answer. */
  const login = async (client: Peer) => {
    const from = client.received.length;
    client.write(`u${++tag} LOGIN bob@example.org "${PASSWORD}"\r\n`);
    return (await client.waitFor(new RegExp(`^u${tag} (OK|NO) .*\r\n`, 'm'), 10_000, from))[0];
  };
  const open = async () => {
    const client = await peer(worker.ports.imap!);
    await client.waitFor(/^\* OK .*\r\n/m);
    return client;
  };
  const fill = async () => {
    const held: Peer[] = [];
    // Places of earlier sessions may take a moment to be given back.
    await waitFor(
      `${MAX_IMAP_PER_USER_ADDRESS} sessions of bob`,
      async () => {
        const client = await open();
        if (/ OK /.test(await login(client))) held.push(client);
        else client.destroy();
        return held.length === MAX_IMAP_PER_USER_ADDRESS;
      },
      30_000,
    );
    return held;
  };
  const held = await fill();
  const owners = await Promise.all(
    held.map((client) => ownerOf(client.socket, worker.ports.imap!, childPids())),
  );
  assert.equal(new Set(owners).size, 2, 'the sessions are in both children');
  const refusedOwners = new Set<number | undefined>();
  const refused: Peer[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    const client = await open();
    refusedOwners.add(await ownerOf(client.socket, worker.ports.imap!, childPids()));
    assert.match(await login(client), /^u\d+ NO \[LIMIT\] /);
    // Still not logged in: nothing of bob's mailbox is reachable.
    await client.command(`x${attempt} SELECT INBOX`, /^x\d+ BAD .*\r\n/);
    refused.push(client);
  }
  assert.equal(refusedOwners.size, 2, 'both children refuse');
  // Alice from the same address is not bob: her own count.
  const alice = await open();
  await alice.command(`a LOGIN alice@example.org "${PASSWORD}"`, /^a OK.*\r\n/);
  alice.destroy();
  // One leaves: a refused connection may log in now, whichever child holds it.
  held.pop()!.destroy();
  await waitFor('a place given back', async () => / OK /.test(await login(refused[0]!)), 10_000);
  held.push(refused.shift()!);
  for (const client of refused) client.destroy();
  // Peers that send LOGIN and drop before the answer, or log in and drop, leak no place (in
  // rounds, within the per-address connection limit).
  for (let round = 0; round < 4; round++)
    await Promise.all(
      Array.from({ length: 3 }, async (_, index) => {
        const client = await open();
        client.write(`d LOGIN bob@example.org "${PASSWORD}"\r\n`);
        if (index % 2) await client.waitFor(/^d (OK|NO) .*\r\n/m).catch(() => undefined);
        client.destroy();
      }),
    );
  for (const client of held) client.destroy();
  const again = await fill();
  const over = await open();
  assert.match(await login(over), /^u\d+ NO \[LIMIT\] /);
  for (const client of [...again, over]) client.destroy();
});

const execFileAsync = promisify(execFile);

/** Python's imaplib and smtplib, each over several connections (shared between the children). */
async function realClientsWork(): Promise<void> {
  const script = `
import imaplib, smtplib, sys
imap_port, smtp_port = int(sys.argv[1]), int(sys.argv[2])
for n in range(6):
    imap = imaplib.IMAP4('127.0.0.1', imap_port)
    imap.login('alice@example.org', '${PASSWORD}')
    assert imap.select('INBOX')[0] == 'OK'
    imap.logout()
for n in range(2):
    with smtplib.SMTP('127.0.0.1', smtp_port) as smtp:
        smtp.sendmail('bob@example.net', ['alice@example.org'], 'Subject: real client %d\\r\\n\\r\\nHi\\r\\n' % n)
print('ok')
`;
  const { stdout } = await execFileAsync('python3', [
    '-c',
    script,
    String(worker.ports.imap),
    String(worker.ports.smtp),
  ]);
  assert.equal(stdout.trim(), 'ok');
}

test('a child killed with SIGKILL is restarted and the ports keep answering', {
  timeout: 90_000,
}, async () => {
  const victim = worker.children().get(1)!;
  process.kill(victim, 'SIGKILL');
  await waitFor('the restart to be logged', () =>
    worker.logs.some(
      (line) => line.msg === 'mail worker process exited unexpectedly; restarting' && line.pid === victim,
    ),
  );
  // While it is away the other child takes every connection. (One accepted in the instant before
  // the primary heard of the death was handed to the dead child and stays unanswered: a limit of
  // node:cluster's round-robin, which keeps such a handle until the client gives up.)
  for (let n = 0; n < 6; n++) {
    const client = await peer(worker.ports.imap!);
    await client.waitFor(/^\* OK .*\r\n/m);
    client.destroy();
  }
  await waitFor('a new child in slot 1', () => {
    const pid = worker.children().get(1);
    return pid !== undefined && pid !== victim;
  });
  await realClientsWork();
  const held = await imapOnBothChildren(1);
  for (const entry of held) entry.peer.destroy();
});

/** Pings the primary as the supervisor does; true when it answers within `ms`. */
async function heartbeatAnswered(id: number, ms = 5000): Promise<boolean> {
  const primary = worker.primary;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), ms);
    const onMessage = (message: { type?: string; id?: number }) => {
      if (message?.type === 'postroom-pong' && message.id === id) finish(true);
    };
    const finish = (answered: boolean) => {
      clearTimeout(timer);
      primary.off('message', onMessage);
      resolve(answered);
    };
    primary.on('message', onMessage);
    primary.send({ type: 'postroom-ping', id });
  });
}

test('a hung child (SIGSTOP) is killed and replaced; the primary answers the supervisor throughout', {
  timeout: 90_000,
}, async () => {
  assert.ok(await heartbeatAnswered(1), 'the primary answers while both children do');
  const hung = worker.children().get(0)!;
  process.kill(hung, 'SIGSTOP');
  await waitFor('the hung child to be killed', () => !alive(hung), 30_000);
  assert.ok(
    worker.logs.some(
      (line) =>
        line.msg === 'mail worker process stopped answering heartbeats; killing it' && line.pid === hung,
    ),
  );
  await waitFor('a new child in slot 0', () => {
    const pid = worker.children().get(0);
    return pid !== undefined && pid !== hung;
  });
  assert.ok(await heartbeatAnswered(2), 'the primary answers again with its new child');
  await realClientsWork();
});

test('SIGTERM stops the primary and every child within the stop deadline, whatever the peers do', {
  timeout: 60_000,
}, async () => {
  const children = childPids();
  const idle = await peer(worker.ports.imap!);
  await idle.waitFor(/^\* OK .*\r\n/m);
  await idle.command(`a LOGIN alice@example.org "${PASSWORD}"`, /^a OK.*\r\n/);
  await idle.command('b SELECT INBOX', /^b OK.*\r\n/);
  await idle.command('c IDLE', /^\+ .*\r\n/);
  const trickler = await peer(worker.ports.smtp!);
  assert.match(await smtpGreeting(trickler), /^220 /);
  await trickler.command('EHLO slow.example.net', /^250 .*\r\n/);
  await trickler.command('MAIL FROM:<slow@example.net>', /^250 .*\r\n/);
  await trickler.command('RCPT TO:<alice@example.org>', /^250 .*\r\n/);
  await trickler.command('DATA', /^354 .*\r\n/);
  void trickler.trickle('Subject: never ends\r\n\r\n'.repeat(20), 500);
  const silent = await peer(worker.ports.pop3!); // connects and never says a word
  const idleSmtp = await peer(worker.ports.smtp!); // between commands, never QUITs
  assert.match(await smtpGreeting(idleSmtp), /^220 /);
  await idleSmtp.command('EHLO idle.example.net', /^250 .*\r\n/);
  const exited = once(worker.primary, 'exit');
  const stoppingAt = Date.now();
  const toldAt = (client: Peer, pattern: RegExp) => client.waitFor(pattern, 20_000).then(() => Date.now());
  const told = Promise.all([
    toldAt(idleSmtp, /^421 4\.3\.2 .*\r\n/m),
    toldAt(idle, /^\* BYE .*\r\n/m),
    toldAt(trickler, /^421 4\.3\.2 .*\r\n/m),
  ]);
  told.catch(() => {}); // awaited below, after the exit: not an unhandled rejection meanwhile
  worker.primary.kill('SIGTERM');
  const [code] = await exited;
  const tookMs = Date.now() - stoppingAt;
  const [idleSmtpAt, idleImapAt, tricklerAt] = await told;
  // Idle sessions are told at once; the trickling DATA only when half the deadline (2 s) is up.
  // Compared with each other, not with a clock, so that a loaded CI machine cannot flip them.
  assert.ok(
    idleSmtpAt < tricklerAt,
    `idle SMTP told after ${idleSmtpAt - stoppingAt} ms, trickler after ${tricklerAt - stoppingAt} ms`,
  );
  assert.ok(
    idleImapAt < tricklerAt,
    `IDLE told after ${idleImapAt - stoppingAt} ms, trickler after ${tricklerAt - stoppingAt} ms`,
  );
  // Every child closed its sessions itself: none was cut short at its deadline, nor by the primary.
  assert.equal(code, 0, 'no child had to be cut short at its stop deadline');
  assert.ok(tookMs < 9000, `stopped after ${tookMs} ms (deadline 4 s, the supervisor's SIGKILL at 10 s)`);
  assert.ok(
    worker.logs.every((line) => line.msg !== 'mail worker stop took too long; exiting anyway'),
    'no child reached its deadline',
  );
  for (const pid of children) assert.equal(alive(pid), false, `child ${pid} is gone with its primary`);
  for (const client of [idle, trickler, silent, idleSmtp]) assert.ok(await client.closedWithin(5000));
});
