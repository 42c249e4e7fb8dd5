// Issue #17's proof: Postroom as a real cluster on one machine. Three Galera nodes, two worker
// nodes (each on its own data directory with POSTROOM_BLOB_STORE=database, pointed at a different
// Galera node) and HAProxy in front of SMTP, submission, IMAP and POP3
// with PROXY protocol v2, health-checking each worker's /ready (which asks its database). Asserted:
// - IMAP IDLE on one worker node hears a delivery made through the other within 1 s;
// - login throttling (per account and address, per address) holds across the nodes, and so does
//   the per-address connection limit (POP3 here; server/cluster/node-counts.ts);
// - the outbound queue: mail relayed from authenticated submission, claimed by both nodes at
//   once, reaches the remote server exactly once per message;
// - under mixed SMTP and IMAP load through HAProxy, kill -9 of a Galera node and later of a
//   worker node: every acknowledged (250) message is stored exactly once, nothing is stored twice,
//   no client got a permanent (5xx) refusal, and SMTP and IMAP clients carry on through HAProxy;
// (The web node is in web-node.test.ts: the web build it may need must not eat this file's time.)
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { createTransport } from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { SMTPServer } from 'smtp-server';
import {
  ClusterRun,
  clusterPrerequisites,
  freePort,
  PROXY_SOURCE,
  startClusterDatabase,
  startHaproxy,
  startWorkerPair,
  waitFor,
  type GaleraNode,
  type Haproxy,
  type PostroomNode,
} from './cluster';

const PASSWORD = 'Correct-horse-9-battery';
const DOMAIN = 'cluster.test';
const missing = clusterPrerequisites();
const PAIR_LIMIT = 4;
const ADDRESS_LIMIT = 8;
/** POP3 connections per client address: nothing else in this file uses POP3. */
const POP3_PER_ADDRESS = 3;

let run: ClusterRun;
let galera: GaleraNode[];
let workerA: PostroomNode;
let workerB: PostroomNode;
let haproxy: Haproxy;
let failed = false;
let migrationRace: number[] = [];
const sink = {
  messages: [] as { messageId: string; heloName: string }[],
  server: undefined as SMTPServer | undefined,
  port: 0,
};

before(async () => {
  if (missing) return;
  run = new ClusterRun();
  try {
    // The test itself talks to the third node (the web node's), as an administrator would.
    const started = await startClusterDatabase(run);
    galera = started.galera;
    const url = started.url;
    // Two nodes migrating an empty database at once, as two worker nodes starting together do:
    // GET_LOCK is node-local on Galera, so server/core/migrate.ts must sort them out itself.
    const { migrate, migrationsFor } = await import('../../server/core/migrate');
    const results = await Promise.all([migrate(galera[0]!.url('postroom'), run.dir), migrate(url, run.dir)]);
    const expected = migrationsFor('mysql').length;
    migrationRace = results.map((result) => result.applied.length);
    // Read on another node once it applied the racing nodes' last writes (Galera applies them a
    // moment after their commit).
    const rows = await waitFor(
      'every migration row finished on galera2',
      async () => {
        const found = await galera[1]!.query<{ migration_name: string; finished_at: Date | null }[]>(
          'SELECT migration_name, finished_at FROM postroom._prisma_migrations',
        );
        return found.length >= expected && found.every((row) => row.finished_at) && found;
      },
      10_000,
    );
    assert.equal(rows.length, expected, 'one row per migration');
    assert.equal(
      results[0]!.applied.length + results[1]!.applied.length,
      expected,
      'each migration applied once',
    );
    const { addDomain, addMailbox } = await import('../../server/domain');
    await addDomain(DOMAIN);
    for (const local of [
      'idle',
      'load',
      'sender',
      'throttled',
      'known',
      ...Array.from({ length: ADDRESS_LIMIT + 1 }, (_, i) => `spread${i + 1}`),
    ])
      await addMailbox({ address: `${local}@${DOMAIN}`, password: PASSWORD });

    sink.port = await freePort();
    sink.server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const messageId = /^Message-ID:\s*(\S+)/im.exec(text)?.[1] ?? '';
          sink.messages.push({ messageId, heloName: session.hostNameAppearsAs });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => sink.server!.listen(sink.port, '127.0.0.1', resolve));

    const workerEnv = (name: string) => ({
      POSTROOM_HOSTNAME: `${name}.${DOMAIN}`,
      POSTROOM_RELAYHOST: `127.0.0.1:${sink.port}`,
      POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
      POSTROOM_AUTH_PENALTY_MS: '0',
      // Above the logins in flight at once from the test's own address (127.0.0.1), so that
      // attempts reserving their failure rows in parallel do not refuse each other.
      POSTROOM_AUTH_MAX_FAILURES_PER_ACCOUNT_ADDRESS: String(PAIR_LIMIT),
      POSTROOM_AUTH_MAX_FAILURES_PER_ADDRESS: String(ADDRESS_LIMIT),
      POSTROOM_POP3_MAX_CONN_PER_IP: String(POP3_PER_ADDRESS),
      // Debug lines (server/core/logger.ts: POSTROOM_DEBUG) show write-retry.ts's retried
      // conflicts, which a doubled message is checked against.
      POSTROOM_LOG: 'debug',
      POSTROOM_DEBUG: '1',
    });
    [workerA, workerB] = await startWorkerPair(run, galera, workerEnv);
    haproxy = await startHaproxy(run, [workerA, workerB]);
  } catch (error) {
    failed = true;
    console.log(run.dumpLogs());
    throw error;
  }
});

afterEach((context) => {
  // biome-ignore lint/suspicious/noExplicitAny: node:test's context carries no typed outcome here
  if ((context as any).passed === false) failed = true;
});

after(async () => {
  if (missing) return;
  if (failed) console.log(run.dumpLogs());
  const { closeDb } = await import('../../server/core/db');
  await closeDb().catch(() => {});
  sink.server?.close();
  await run.stopAll(failed);
});

function imapClient(port: number, user: string, password = PASSWORD): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    auth: { user, pass: password },
    tls: { rejectUnauthorized: false },
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}

async function sendOne(port: number, to: string, subject: string, messageId: string, auth = false) {
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    tls: { rejectUnauthorized: false },
    ignoreTLS: !auth,
    auth: auth ? { user: `sender@${DOMAIN}`, pass: PASSWORD } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    return await transport.sendMail({
      from: auth ? `sender@${DOMAIN}` : 'someone@elsewhere.example',
      to,
      subject,
      messageId,
      text: `token ${subject}\r\n`,
    });
  } finally {
    transport.close();
  }
}

/** Every message in `user`'s INBOX (sequence number, UID, Message-ID), read through worker `port` directly. */
async function inboxMessages(
  port: number,
  user: string,
): Promise<{ seq: number; uid: number; messageId: string }[]> {
  const client = imapClient(port, user);
  await client.connect();
  try {
    const mailbox = await client.mailboxOpen('INBOX');
    const found: { seq: number; uid: number; messageId: string }[] = [];
    if (mailbox.exists === 0) return found;
    for await (const message of client.fetch('1:*', { envelope: true, uid: true }))
      found.push({ seq: message.seq, uid: message.uid, messageId: message.envelope?.messageId ?? '' });
    return found;
  } finally {
    await client.logout().catch(() => {});
  }
}

/**
 * For a message listed more than once over IMAP: is it stored twice (two rows in `messages`) or one
 * row listed twice? The rows and their change-feed entries as the database has them, and what the
 * worker logs said about retried or failed writes.
 */
async function explainDoubles(
  doubled: string[],
  listed: { seq: number; uid: number; messageId: string }[],
): Promise<string> {
  const lines: string[] = [];
  for (const id of doubled) {
    const bare = id.replace(/^<|>$/g, '');
    const rows = await galera[2]!.query<
      {
        id: number;
        folder_id: number;
        uid: number;
        modseq: bigint;
        blob_sha256: string;
        internal_date: Date;
      }[]
    >(
      'SELECT id, folder_id, uid, modseq, blob_sha256, internal_date FROM postroom.messages WHERE message_id IN (?, ?, ?) ORDER BY id',
      [id, bare, `<${bare}>`],
    );
    const imap = listed.filter((message) => message.messageId === id);
    lines.push(
      `${id}: ${rows.length} row(s) in messages (${rows.length > 1 ? 'STORED TWICE' : 'one row LISTED TWICE over IMAP'})`,
      ...rows.map(
        (row) =>
          `  row id=${row.id} folder=${row.folder_id} uid=${row.uid} modseq=${row.modseq} blob=${row.blob_sha256.slice(0, 12)} internal_date=${row.internal_date.toISOString()}`,
      ),
      `  IMAP listing: ${imap.map((message) => `seq ${message.seq} uid ${message.uid}`).join(', ')}`,
    );
    for (const row of rows) {
      const changes = await galera[2]!.query<{ id: number; kind: string; modseq: bigint }[]>(
        'SELECT id, kind, modseq FROM postroom.mail_changes WHERE folder_id = ? AND uid = ? ORDER BY id',
        [row.folder_id, row.uid],
      );
      lines.push(
        `  mail_changes for uid ${row.uid}: ${changes.map((c) => `#${c.id} ${c.kind} modseq=${c.modseq}`).join(', ')}`,
      );
    }
  }
  const uids = new Map<number, number>();
  for (const message of listed) uids.set(message.uid, (uids.get(message.uid) ?? 0) + 1);
  const repeatedUids = [...uids].filter(([, n]) => n > 1).map(([uid]) => uid);
  lines.push(`UIDs listed more than once: ${repeatedUids.join(', ') || 'none'}`);
  for (const name of ['worker-a', 'worker-b']) {
    const text = readFileSync(run.log(name), 'utf8');
    const notable = text
      .split('\n')
      .filter((line) =>
        /retry|conflict|uncertain|commit|smtp handler failed|append|deadlock|WSREP|\b1213\b|\b1047\b/i.test(
          line,
        ),
      );
    lines.push(`--- ${name}: ${notable.length} lines about writes (last 40)`, ...notable.slice(-40));
  }
  return lines.join('\n');
}

test('two nodes migrating one empty database at once apply each migration once', {
  skip: missing ?? false,
}, () => {
  // Asserted in before(), which had to migrate before anything else could start.
  console.log(`migrations applied by the two racing nodes: ${migrationRace.join(' + ')}`);
  assert.equal(migrationRace.length, 2);
});

test('IMAP IDLE on one worker node hears a delivery made through the other within 1 s', {
  skip: missing ?? false,
}, async () => {
  const delays: number[] = [];
  for (const [idleOn, deliverTo] of [
    [workerA, workerB],
    [workerB, workerA],
    [workerA, workerB],
    [workerB, workerA],
  ] as const) {
    const client = imapClient(idleOn.ports.imap, `idle@${DOMAIN}`);
    await client.connect();
    try {
      const opened = await client.mailboxOpen('INBOX');
      const before = opened.exists;
      const heard = new Promise<number>((resolve) => {
        client.on('exists', (event: { count: number }) => {
          if (event.count > before) resolve(Date.now());
        });
      });
      const idling = client.idle();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const info = await sendOne(
        deliverTo.ports.smtp,
        `idle@${DOMAIN}`,
        `idle ${delays.length}`,
        `<idle-${randomBytes(6).toString('hex')}@${DOMAIN}>`,
      );
      const acknowledged = Date.now();
      assert.match(info.response, /^250 /);
      const at = await Promise.race([
        heard,
        new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 5000)),
      ]);
      assert.ok(
        !Number.isNaN(at),
        `IDLE on ${idleOn.name} heard nothing of a delivery through ${deliverTo.name} within 5 s`,
      );
      delays.push(at - acknowledged);
      await client.noop();
      await idling;
    } finally {
      await client.logout().catch(() => {});
    }
  }
  console.log(`IDLE across nodes: EXISTS ${delays.join(', ')} ms after the other node's 250`);
  for (const delay of delays) assert.ok(delay < 1000, `EXISTS came ${delay} ms after the 250 (over 1 s)`);
});

/** A raw IMAP LOGIN through the PROXY-allowed address, as client `address`; the tagged answer. */
async function proxiedLogin(port: number, address: string, user: string, password: string): Promise<string> {
  const socket = connectTcp({ port, host: '127.0.0.1', localAddress: PROXY_SOURCE });
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  try {
    socket.write(`PROXY TCP4 ${address} 127.0.0.1 40000 143\r\n`);
    await waitFor('the IMAP greeting', () => /^\* OK/m.test(text), 10_000, 20);
    socket.write(`a1 LOGIN "${user}" "${password}"\r\n`);
    return await waitFor('the LOGIN answer', () => /^a1 .*$/m.exec(text)?.[0], 20_000, 20);
  } finally {
    socket.destroy();
  }
}

test('login throttling and per-address limits hold across worker nodes', {
  skip: missing ?? false,
}, async () => {
  const nodes = [workerA, workerB];
  // Per account and address: failures spread over both nodes count together.
  const guesser = '198.51.100.7';
  for (let attempt = 0; attempt < PAIR_LIMIT; attempt++) {
    const answer = await proxiedLogin(
      nodes[attempt % 2]!.ports.imap,
      guesser,
      `throttled@${DOMAIN}`,
      `wrong-${attempt}`,
    );
    assert.match(answer, /^a1 NO/, `failure ${attempt + 1} on ${nodes[attempt % 2]!.name}: ${answer}`);
  }
  for (const node of nodes) {
    const answer = await proxiedLogin(node.ports.imap, guesser, `throttled@${DOMAIN}`, PASSWORD);
    assert.match(
      answer,
      /^a1 NO/,
      `the right password from the throttled address on ${node.name}: ${answer}`,
    );
  }
  // The account itself is fine from another address, on either node.
  for (const node of nodes)
    assert.match(
      await proxiedLogin(node.ports.imap, '198.51.100.8', `throttled@${DOMAIN}`, PASSWORD),
      /^a1 OK/,
    );

  // Per address over all accounts: one failure per account, alternating nodes.
  const sprayer = '203.0.113.9';
  for (let index = 1; index <= ADDRESS_LIMIT; index++) {
    const node = nodes[index % 2]!;
    const answer = await proxiedLogin(node.ports.imap, sprayer, `spread${index}@${DOMAIN}`, 'wrong');
    assert.match(answer, /^a1 NO/, `spray ${index} on ${node.name}: ${answer}`);
  }
  for (const node of nodes) {
    const answer = await proxiedLogin(
      node.ports.imap,
      sprayer,
      `spread${ADDRESS_LIMIT + 1}@${DOMAIN}`,
      PASSWORD,
    );
    assert.match(answer, /^a1 NO/, `one more account from the spraying address on ${node.name}: ${answer}`);
  }
  assert.match(
    await proxiedLogin(workerA.ports.imap, '192.0.2.10', `spread${ADDRESS_LIMIT + 1}@${DOMAIN}`, PASSWORD),
    /^a1 OK/,
  );
});

/** A POP3 connection through the PROXY-allowed address, as client `address`; its first line. */
async function proxiedPop3(port: number, address: string): Promise<{ greeting: string; close(): void }> {
  const socket = connectTcp({ port, host: '127.0.0.1', localAddress: PROXY_SOURCE });
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(`PROXY TCP4 ${address} 127.0.0.1 40000 110\r\n`);
  const greeting = await waitFor('the POP3 greeting', () => /^[+-].*\r\n/.exec(text)?.[0], 10_000, 20);
  return { greeting, close: () => socket.destroy() };
}

/** Until the table says `address` has `open` POP3 connections in all, and the nodes read it (1 s). */
async function pop3Published(address: string, open: number): Promise<void> {
  await waitFor(
    `${open} POP3 connections of ${address} in connection_counts`,
    async () => {
      const rows = await galera[2]!.query<{ open: unknown }[]>(
        "SELECT COALESCE(SUM(open_count), 0) AS open FROM postroom.connection_counts WHERE counter = 'pop3' AND count_key = ?",
        [address],
      );
      return Number(rows[0]?.open) === open;
    },
    10_000,
    50,
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
}

test('per-address connection limits hold across worker nodes', { skip: missing ?? false }, async () => {
  const client = '198.51.100.30';
  const onA = [];
  for (let i = 0; i < POP3_PER_ADDRESS - 1; i++) {
    const connection = await proxiedPop3(workerA.ports.pop3, client);
    assert.match(connection.greeting, /^\+OK/, `connection ${i + 1} on worker-a`);
    onA.push(connection);
  }
  await pop3Published(client, POP3_PER_ADDRESS - 1);
  const onB = await proxiedPop3(workerB.ports.pop3, client);
  assert.match(onB.greeting, /^\+OK/, 'worker-b: the last place');
  const refused = await proxiedPop3(workerB.ports.pop3, client);
  refused.close();
  assert.match(refused.greeting, /^-ERR .*Too many connections/, "worker-b counts worker-a's connections");
  await pop3Published(client, POP3_PER_ADDRESS);
  const refusedOnA = await proxiedPop3(workerA.ports.pop3, client);
  refusedOnA.close();
  assert.match(refusedOnA.greeting, /^-ERR /, "worker-a counts worker-b's connection");
  // Closed on A: given back on B. Another address was never affected.
  for (const connection of onA) connection.close();
  await pop3Published(client, 1);
  const again = await proxiedPop3(workerB.ports.pop3, client);
  assert.match(again.greeting, /^\+OK/, "worker-b once worker-a's are closed");
  const other = await proxiedPop3(workerA.ports.pop3, '198.51.100.31');
  assert.match(other.greeting, /^\+OK/);
  for (const connection of [onB, again, other]) connection.close();
});

test('the outbound queue hands each entry to exactly one node: every relayed message reaches the remote server once', {
  skip: missing ?? false,
}, async () => {
  const count = 40;
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: 3 }, async (_, lane) => {
      for (let index = lane; index < count; index += 3) {
        const messageId = `<relay-${index}-${randomBytes(6).toString('hex')}@${DOMAIN}>`;
        ids.push(messageId);
        const info = await sendOne(
          haproxy.ports.submission,
          `someone-${index}@remote.example`,
          `relay ${index}`,
          messageId,
          true,
        );
        assert.match(info.response, /^250 /);
      }
    }),
  );
  await waitFor(
    'every relayed message at the remote server',
    () => sink.messages.length >= count,
    90_000,
    200,
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${sink.messages.length} of ${count} arrived`);
  });
  // Anything sent twice would arrive a little later: give it the time.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const seen = new Map<string, number>();
  for (const message of sink.messages) seen.set(message.messageId, (seen.get(message.messageId) ?? 0) + 1);
  for (const id of ids) assert.equal(seen.get(id), 1, `${id} arrived ${seen.get(id) ?? 0} times`);
  assert.equal(sink.messages.length, count, 'the remote server got messages nobody submitted, or some twice');
  const senders = new Set(sink.messages.map((message) => message.heloName));
  console.log(`outbound: ${count} messages, each once; sent by ${[...senders].sort().join(', ')}`);
  const { db } = await import('../../server/core/db');
  const open = await db().queueEntry.count({ where: { status: { in: ['queued', 'deferred'] } } });
  assert.equal(open, 0, 'queue entries left unsent');
});

test('Galera: a claim made on two nodes at once fails at COMMIT as a deadlock, which queue/claim.ts retries', {
  skip: missing ?? false,
}, async () => {
  // What server/queue/claim.ts meets: FOR UPDATE SKIP LOCKED locks only on its own node, so two
  // nodes both "claim" the row, and certification refuses the second COMMIT.
  const { default: mariadb } = await import('mariadb');
  const { isRetryableWriteError } = await import('../../server/core/write-retry');
  const [one, two] = await Promise.all(
    [galera[0]!, galera[2]!].map((node) =>
      mariadb.createConnection({ host: '127.0.0.1', port: node.port, user: 'root', database: 'postroom' }),
    ),
  );
  try {
    await one.query('CREATE TABLE claim_probe (id INT PRIMARY KEY, locked_by VARCHAR(20) NULL)');
    await one.query('INSERT INTO claim_probe VALUES (1, NULL)');
    await waitFor(
      'the row on the other node',
      async () => (await two.query('SELECT id FROM claim_probe')).length === 1,
    );
    for (const conn of [one, two]) {
      await conn.beginTransaction();
      const rows = await conn.query(
        'SELECT id FROM claim_probe WHERE locked_by IS NULL FOR UPDATE SKIP LOCKED',
      );
      assert.equal(rows.length, 1, 'each node sees the row unclaimed: the lock is node-local');
    }
    await one.query("UPDATE claim_probe SET locked_by = 'one' WHERE id = 1");
    await two.query("UPDATE claim_probe SET locked_by = 'two' WHERE id = 1");
    await one.commit();
    const lost = await two.commit().then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(lost, 'the second COMMIT of the same claim must fail');
    assert.equal((lost as { errno?: number }).errno, 1213);
    assert.ok(isRetryableWriteError(lost), 'write-retry.ts runs such a claim again');
    const [row] = await two.query('SELECT locked_by FROM claim_probe WHERE id = 1');
    assert.equal(row.locked_by, 'one', 'the first commit decided the claim');
  } finally {
    await one.query('DROP TABLE IF EXISTS claim_probe').catch(() => {});
    await Promise.all([one.end(), two.end()]);
  }
});

interface LoadResult {
  acked: Set<string>;
  tried: Set<string>;
  permanent: string[];
  smtpOk: number[];
  imapOk: number[];
  imapErrors: number;
  smtpTemporary: number;
}

/** SMTP senders (one message per connection) and IMAP sessions, all through HAProxy, until stopped. */
function startLoad(): { result: LoadResult; stop(): Promise<void> } {
  const result: LoadResult = {
    acked: new Set(),
    tried: new Set(),
    permanent: [],
    smtpOk: [],
    imapOk: [],
    imapErrors: 0,
    smtpTemporary: 0,
  };
  let stopping = false;
  const smtpLane = async (lane: number) => {
    for (let index = 0; !stopping; index++) {
      // A fresh Message-ID per attempt: a retried message is another message, so "stored twice"
      // can only mean the server stored one attempt twice.
      const messageId = `<load-${lane}-${index}-${randomBytes(4).toString('hex')}@${DOMAIN}>`;
      result.tried.add(messageId);
      try {
        const info = await sendOne(haproxy.ports.smtp, `load@${DOMAIN}`, `load ${lane}-${index}`, messageId);
        if (/^250 /.test(info.response)) {
          result.acked.add(messageId);
          result.smtpOk.push(Date.now());
        }
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code && code >= 500) result.permanent.push(`${messageId}: ${(error as Error).message}`);
        else result.smtpTemporary++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const imapLane = async () => {
    while (!stopping) {
      const client = imapClient(haproxy.ports.imap, `load@${DOMAIN}`);
      client.on('error', () => {});
      try {
        await client.connect();
        for (let round = 0; round < 5 && !stopping; round++) {
          const mailbox = await client.mailboxOpen('INBOX');
          if (mailbox.exists > 0) await client.fetchOne(String(mailbox.exists), { envelope: true });
          result.imapOk.push(Date.now());
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await client.logout();
      } catch {
        result.imapErrors++;
        client.close();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const lanes = [smtpLane(0), smtpLane(1), smtpLane(2), imapLane(), imapLane()];
  return {
    result,
    async stop() {
      stopping = true;
      await Promise.all(lanes);
    },
  };
}

test('under mixed SMTP and IMAP load, kill -9 of a Galera node and then of a worker node loses and doubles nothing', {
  skip: missing ?? false,
  timeout: 240_000,
}, async () => {
  const load = startLoad();
  const { result } = load;
  const since = (at: number, times: number[]) => times.filter((time) => time > at).length;
  try {
    await waitFor('load to flow', () => result.smtpOk.length >= 10 && result.imapOk.length >= 4, 30_000);

    // 1. The Galera node under worker B dies: HAProxy takes B out, mail goes on through A.
    const galeraKilled = Date.now();
    await galera[1]!.kill9();
    await waitFor(
      'HAProxy to mark worker-b down',
      async () =>
        Object.entries(await haproxy.status()).every(
          ([key, state]) => !key.endsWith('/worker-b') || state.startsWith('DOWN'),
        ),
      15_000,
      100,
    );
    const markedDown = Date.now() - galeraKilled;
    const afterOut = Date.now();
    await waitFor(
      'SMTP and IMAP to carry on through worker-a',
      () => since(afterOut, result.smtpOk) >= 10 && since(afterOut, result.imapOk) >= 4,
      30_000,
    );
    console.log(
      `Galera node killed: worker-b out of HAProxy after ${markedDown} ms; ${result.smtpTemporary} temporary SMTP failures so far`,
    );

    // Straight to worker B (not through HAProxy) while its database is gone: a temporary
    // refusal, never a 250 for a message that was not committed, never a permanent 5xx.
    const orphanId = `<orphan-${randomBytes(4).toString('hex')}@${DOMAIN}>`;
    const direct = await sendOne(
      workerB.ports.smtp,
      `load@${DOMAIN}`,
      'while its database is away',
      orphanId,
    ).then(
      (info) => `accepted: ${info.response}`,
      (error: { responseCode?: number; message: string }) => error.responseCode ?? error.message,
    );
    assert.ok(
      typeof direct === 'number' && direct >= 400 && direct < 500,
      `worker-b without its database answered ${direct}`,
    );
    result.tried.add(orphanId);

    // The Galera node comes back (IST) and worker B with it.
    await galera[1]!.restart();
    await waitFor(
      'HAProxy to take worker-b back',
      async () =>
        Object.entries(await haproxy.status()).every(
          ([key, state]) => !key.endsWith('/worker-b') || state === 'UP',
        ),
      30_000,
      200,
    );

    // 2. Worker A dies whole (supervisor and worker): B carries everything.
    const workerKilled = Date.now();
    await workerA.kill9();
    await waitFor(
      'HAProxy to mark worker-a down',
      async () =>
        Object.entries(await haproxy.status()).every(
          ([key, state]) => !key.endsWith('/worker-a') || state.startsWith('DOWN'),
        ),
      15_000,
      100,
    );
    await waitFor(
      'SMTP and IMAP to carry on through worker-b',
      () => since(workerKilled, result.smtpOk) >= 10 && since(workerKilled, result.imapOk) >= 4,
      30_000,
    );
  } finally {
    await load.stop();
  }
  console.log(
    `load: ${result.tried.size} messages tried, ${result.acked.size} acknowledged, ${result.smtpTemporary} temporary failures; IMAP ${result.imapOk.length} rounds, ${result.imapErrors} reconnects`,
  );
  // What the workers' logs say about writes around the kills, in every run (passing ones too).
  for (const name of ['worker-a', 'worker-b']) {
    const lines = readFileSync(run.log(name), 'utf8').split('\n');
    const count = (pattern: RegExp) => lines.filter((line) => pattern.test(line)).length;
    console.log(
      `${name}: ${count(/UncertainCommitError/)} uncertain commits, ${count(/write transaction conflicted, retrying/)} conflict retries, ${count(/still conflicting, giving up/)} given up, ${count(/smtp handler failed/)} SMTP handler failures`,
    );
  }
  assert.deepEqual(result.permanent, [], 'no message may be refused permanently because a node died');
  const listed = await inboxMessages(workerB.ports.imap, `load@${DOMAIN}`);
  const stored = listed.map((message) => message.messageId);
  const counts = new Map<string, number>();
  for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
  const lost = [...result.acked].filter((id) => !counts.has(id));
  const doubled = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unknown = [...counts.keys()].filter((id) => !result.tried.has(id));
  assert.deepEqual(lost, [], 'acknowledged messages lost');
  if (doubled.length > 0) {
    const explained = await explainDoubles(doubled, listed).catch(
      (error: Error) => `(no explanation: ${error.stack})`,
    );
    console.log(explained);
    assert.deepEqual(doubled, [], `messages listed twice:\n${explained}`);
  }
  assert.deepEqual(unknown, [], 'messages nobody sent');
  assert.ok(result.acked.size >= 40);
});
