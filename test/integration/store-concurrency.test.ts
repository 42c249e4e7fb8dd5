// One mailbox under every kind of write at once, for POSTROOM_TEST_STRESS_SECONDS (30 in the
// suite): APPEND (raw sockets and imapflow), STORE, EXPUNGE and MOVE in both directions over IMAP
// in this process and in a second worker process, SMTP delivery (nodemailer to the MX port), and
// misbehaving peers that drop an APPEND literal or an SMTP DATA halfway. Dovecot's imaptest found
// deadlocks on MariaDB this way (NO [SERVERBUG]). Every command must be answered OK / 250, and
// afterwards the mailbox must add up: messages = accepted − expunged, UIDs unique, increasing and
// below UIDNEXT, used bytes = the sum of sizes, and each blob's reference count = its messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import nodemailer from 'nodemailer';
import {
  startImapTestEnv,
  startChildImapServer,
  imapflowClient,
  RawClient,
  PASSWORD,
  raw,
  type ImapTestEnv,
  type ChildImapServer,
} from './imap-support';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';
import { rawDb } from '../../server/store/raw';

const SECONDS = Number(process.env.POSTROOM_TEST_STRESS_SECONDS || 30);

let env: ImapTestEnv;
let child: ChildImapServer;
let smtp: RunningSmtpServers;

before(async () => {
  env = await startImapTestEnv();
  child = await startChildImapServer();
  setDnsResolver(staticResolver({}));
  smtp = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false },
  });
});
after(async () => {
  await smtp.close();
  setDnsResolver(null);
  await child.stop();
  await env.close();
});

/** What the clients saw, to compare with the store afterwards. */
const ledger = {
  accepted: 0,
  expunged: 0,
  failures: [] as string[],
};

let running = true;
let tagCounter = 0;
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function message(label: string): Buffer {
  const token = `${label}.${Date.now()}.${Math.random().toString(36).slice(2)}`;
  return raw(
    `From: stress@example.net\nTo: alice@example.org\nSubject: ${token}\nMessage-ID: <${token}@example.net>\n\n${'x'
      .repeat(76)
      .concat('\n')
      .repeat(Math.floor(Math.random() * 40))}`,
  );
}

/** Sends one command; anything but a tagged OK is a failure. Returns the whole answer. */
async function command(client: RawClient, text: string, what = text.split(' ')[0]): Promise<string> {
  const tag = `t${++tagCounter}`;
  client.write(`${tag} ${text}\r\n`);
  // Generous: a login hashes with argon2id, and the machine may be busy with other suites.
  const answer = await client
    .readUntil(new RegExp(`^${tag} (OK|NO|BAD).*\\r\\n`, 'm'), 60_000)
    .catch((error: unknown) => `${tag} NO client: ${error}`);
  if (!new RegExp(`^${tag} OK`, 'm').test(answer))
    ledger.failures.push(`${what}: ${answer.split('\r\n').slice(-2).join(' | ').slice(0, 300)}`);
  return answer;
}

async function session(port: number, folder: string): Promise<RawClient> {
  const client = await RawClient.tls(port);
  await command(client, `LOGIN alice@example.org "${PASSWORD}"`, 'LOGIN');
  await command(client, `SELECT ${folder}`, 'SELECT');
  return client;
}

function uidsOf(searchAnswer: string): number[] {
  const line = /^\* (?:SEARCH|ESEARCH)([^\r\n]*)/m.exec(searchAnswer)?.[1] ?? '';
  const all = /\bALL ([\d:,]+)/.exec(line)?.[1];
  return all ? expandSet(all) : line.trim().split(/\s+/).filter(Boolean).map(Number);
}

function expandSet(set: string): number[] {
  return set.split(',').flatMap((part) => {
    const [first, last] = part.split(':').map(Number) as [number, number | undefined];
    if (last === undefined) return [first];
    return Array.from({ length: Math.abs(last - first) + 1 }, (_, i) => Math.min(first, last) + i);
  });
}

function someOf(uids: number[], count: number): number[] {
  return [...new Set(Array.from({ length: count }, () => pick(uids)))].sort((a, b) => a - b);
}

/** APPEND over a raw socket (LITERAL+); the APPENDUIDs one session gets must keep increasing. */
async function appender(port: number, label: string): Promise<void> {
  const client = await session(port, 'INBOX');
  let lastUid = 0;
  while (running) {
    const content = message(label);
    const flags = pick(['', '(\\Seen) ', '(\\Flagged $Work) ']);
    const tag = `t${++tagCounter}`;
    client.write(
      Buffer.concat([
        Buffer.from(`${tag} APPEND INBOX ${flags}{${content.length}+}\r\n`),
        content,
        Buffer.from('\r\n'),
      ]),
    );
    const answer = await client
      .readUntil(new RegExp(`^${tag} .*\\r\\n`, 'm'), 60_000)
      .catch((e: unknown) => `${tag} NO ${e}`);
    const uid = /APPENDUID \d+ (\d+)/.exec(answer)?.[1];
    if (!new RegExp(`^${tag} OK`, 'm').test(answer) || !uid) {
      ledger.failures.push(`APPEND: ${answer.slice(-200)}`);
      continue;
    }
    ledger.accepted++;
    if (Number(uid) <= lastUid) ledger.failures.push(`APPENDUID went back: ${uid} after ${lastUid}`);
    lastUid = Number(uid);
  }
  client.close();
}

/** imapflow: APPEND and flag changes through a well-used client library. */
async function imapflowWorker(): Promise<void> {
  const client = imapflowClient(env, true);
  await client.connect();
  await client.mailboxOpen('INBOX');
  while (running) {
    try {
      const appended = await client.append('INBOX', message('imapflow'), ['\\Seen']);
      if (!appended || !appended.uid) ledger.failures.push('imapflow APPEND: no APPENDUID');
      else ledger.accepted++;
      const changed = await client.messageFlagsAdd('1:*', ['$Seen-By-Flow'], { silent: true } as never);
      if (!changed) ledger.failures.push('imapflow STORE: refused');
    } catch (error) {
      ledger.failures.push(`imapflow: ${error}`);
    }
  }
  await client.logout();
}

/** STORE on random messages (never \Deleted: only the expungers set that). */
async function flagger(port: number): Promise<void> {
  const client = await session(port, 'INBOX');
  while (running) {
    const uids = uidsOf(await command(client, 'UID SEARCH ALL'));
    if (uids.length === 0) {
      await pause(20);
      continue;
    }
    const change = pick([
      '+FLAGS.SILENT (\\Seen)',
      '-FLAGS.SILENT (\\Seen)',
      '+FLAGS (\\Flagged $Todo)',
      '-FLAGS ($Todo)',
    ]);
    await command(client, `UID STORE ${someOf(uids, 5).join(',')} ${change}`);
  }
  client.close();
}

/**
 * Marks a few messages \Deleted and removes exactly those (UID EXPUNGE, RFC 4315). Each expunger
 * owns the INBOX UIDs of one residue mod 4 (odd ones: the INBOX mover takes even ones), so what
 * it removed is exact: the chosen UIDs the STORE answered for, minus those still there after.
 */
async function expunger(port: number, residue: 1 | 3): Promise<void> {
  const client = await session(port, 'INBOX');
  while (running) {
    const uids = uidsOf(await command(client, 'UID SEARCH ALL')).filter((uid) => uid % 4 === residue);
    if (uids.length === 0) {
      await pause(20);
      continue;
    }
    const chosen = someOf(uids, 3);
    const stored = await command(client, `UID STORE ${chosen.join(',')} +FLAGS (\\Deleted)`);
    const existed = new Set(
      [...stored.matchAll(/^\* \d+ FETCH \(.*\bUID (\d+)/gm)].map((match) => Number(match[1])),
    );
    await command(client, `UID EXPUNGE ${chosen.join(',')}`);
    const left = uidsOf(await command(client, `UID SEARCH UID ${chosen.join(',')}`));
    ledger.expunged += chosen.filter((uid) => existed.has(uid) && !left.includes(uid)).length;
  }
  client.close();
}

/** MOVE between INBOX (its even UIDs only: the expungers own the odd ones) and Archive. */
async function mover(port: number, from: string, to: string): Promise<void> {
  const client = await session(port, from);
  while (running) {
    const uids = uidsOf(await command(client, 'UID SEARCH ALL')).filter(
      (uid) => from !== 'INBOX' || uid % 2 === 0,
    );
    if (uids.length < 3) {
      await pause(20);
      continue;
    }
    await command(client, `UID MOVE ${someOf(uids, 3).join(',')} ${to}`);
  }
  client.close();
}

async function smtpDeliverer(label: string): Promise<void> {
  const mx = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
    pool: true,
  });
  while (running) {
    try {
      const info = await mx.sendMail({
        envelope: { from: 'stress@example.net', to: ['alice@example.org'] },
        raw: message(label),
      });
      if (/^250 /.test(info.response)) ledger.accepted++;
      else ledger.failures.push(`SMTP: ${info.response}`);
    } catch (error) {
      ledger.failures.push(`SMTP: ${(error as { response?: string }).response ?? error}`);
    }
  }
  mx.close();
}

/** Misbehaving peers: an APPEND whose literal stops halfway, a DATA cut off; nothing may come of either. */
async function dropper(port: number): Promise<void> {
  while (running) {
    const client = await session(port, 'INBOX');
    const content = message('dropped');
    client.write(`d1 APPEND INBOX {${content.length}+}\r\n`);
    client.write(content.subarray(0, content.length >> 1));
    await pause(10);
    client.close();
    const socket = netConnect(smtp.ports.smtp, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      'EHLO dropper.example\r\nMAIL FROM:<x@example.net>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n',
    );
    await pause(50);
    socket.write('Subject: cut off\r\n\r\nhalf a bo');
    await pause(10);
    socket.destroy();
    await pause(50);
  }
}

test(`APPEND, STORE, EXPUNGE, MOVE and SMTP delivery on one mailbox for ${SECONDS} s: all answered OK, the mailbox adds up`, {
  timeout: (SECONDS + 240) * 1000,
}, async () => {
  const here = env.servers.ports.imaps!;
  const there = child.ports.imaps;
  const observer = await session(here, 'INBOX');
  const workers = [
    appender(here, 'append-a'),
    appender(there, 'append-b'),
    imapflowWorker(),
    flagger(there),
    expunger(here, 1),
    expunger(there, 3),
    mover(here, 'INBOX', 'Archive'),
    mover(there, 'Archive', 'INBOX'),
    smtpDeliverer('smtp-a'),
    smtpDeliverer('smtp-b'),
    dropper(here),
  ];
  const stop = pause(SECONDS * 1000).then(() => {
    running = false;
  });
  while (running) {
    await command(observer, 'NOOP');
    await pause(200);
  }
  await stop;
  await Promise.all(workers);
  await pause(500); // the poller across processes runs every 250 ms
  await command(observer, 'NOOP');
  const inboxUids = uidsOf(await command(observer, 'UID SEARCH ALL'));
  observer.close();

  assert.deepEqual(ledger.failures.slice(0, 20), [], `${ledger.failures.length} commands failed`);
  const expunged = ledger.expunged;
  const db = rawDb();
  const folders = await db.read<{ id: number; name: string; uid_next: number }>(
    'SELECT id, name, uid_next FROM folders WHERE user_id = ?',
    [env.userId],
  );
  const rows = await db.read<{ folder_id: number; uid: number; size: number; blob_sha256: string }>(
    'SELECT m.folder_id, m.uid, m.size, m.blob_sha256 FROM messages m JOIN folders f ON f.id = m.folder_id WHERE f.user_id = ? ORDER BY m.folder_id, m.uid',
    [env.userId],
  );
  assert.equal(rows.length, ledger.accepted - expunged, 'messages stored = accepted − expunged');
  for (const folder of folders) {
    const uids = rows
      .filter((row) => Number(row.folder_id) === Number(folder.id))
      .map((row) => Number(row.uid));
    assert.equal(new Set(uids).size, uids.length, `${folder.name}: UIDs unique`);
    assert.ok(
      uids.every((uid) => uid < Number(folder.uid_next)),
      `${folder.name}: UIDs below UIDNEXT`,
    );
    if (folder.name === 'INBOX') assert.deepEqual(inboxUids, uids, 'INBOX as the client sees it');
  }
  const [user] = await db.read<{ used_bytes: number | bigint }>('SELECT used_bytes FROM users WHERE id = ?', [
    env.userId,
  ]);
  const sizes = rows.reduce((sum, row) => sum + Number(row.size), 0);
  assert.equal(Number(user!.used_bytes), sizes, 'used bytes = the sum of the sizes');
  const perBlob = new Map<string, number>();
  for (const row of rows) perBlob.set(row.blob_sha256, (perBlob.get(row.blob_sha256) ?? 0) + 1);
  const blobs = await db.read<{ sha256: string; ref_count: number }>('SELECT sha256, ref_count FROM blobs');
  for (const blob of blobs)
    assert.equal(Number(blob.ref_count), perBlob.get(blob.sha256) ?? 0, `references of blob ${blob.sha256}`);
  // The load must have happened (a loaded 2-core machine manages a few per second).
  assert.ok(ledger.accepted >= 10, `only ${ledger.accepted} messages accepted`);
  assert.ok(expunged >= 1, `only ${expunged} messages expunged`);
});
