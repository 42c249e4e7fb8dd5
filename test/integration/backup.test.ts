// postroom backup / restore / backup --verify end to end: a worker receives mail over SMTP while
// the CLI backs it up (twice: the second links unchanged message files), the backup is restored
// into a fresh database and data directory, a worker started there serves every message over
// IMAP with the same content hash as the original, a damaged backup is caught by --verify, and a
// non-empty instance is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import mariadb from 'mariadb';
import nodemailer from 'nodemailer';
import { MYSQL_ADMIN_URL, TEST_PROVIDER, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { closeDb } from '../../server/core/db';
import { backupBlobPath, readManifest } from '../../server/backup/manifest';
import { verifyBackup } from '../../server/backup';
import { spawned, startClusterWorker, type ClusterWorker } from './worker-cluster';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
const PASSWORD = 'Backup-horse-9-battery';
const ADDRESS = 'alice@example.org';

let source: TestDatabase;
let sourceWorker: ClusterWorker;
const scratch = mkdtempSync(join(tmpdir(), 'postroom-backup-'));
const backupRoot = join(scratch, 'backups');
const restoredDataDir = join(scratch, 'restored-data');
let restoredUrl = '';
let restoredDbName: string | undefined;

function adminConnection() {
  const admin = new URL(MYSQL_ADMIN_URL);
  return mariadb.createConnection({
    host: admin.hostname,
    port: Number(admin.port || 3306),
    user: decodeURIComponent(admin.username || 'root'),
    password: decodeURIComponent(admin.password),
  });
}

/** Runs the CLI without blocking this process (the SMTP sender keeps going meanwhile). */
function postroom(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, POSTROOM_LOG: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const restoredEnv = () => ({ DATABASE_URL: restoredUrl, POSTROOM_DATA_DIR: restoredDataDir });

before(async () => {
  source = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: ADDRESS, password: PASSWORD, displayName: 'Alice' });
  await closeDb();
  if (TEST_PROVIDER === 'mysql') {
    restoredDbName = `postroom_restore_${randomBytes(5).toString('hex')}`;
    const conn = await adminConnection();
    await conn.query(
      `CREATE DATABASE \`${restoredDbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    await conn.end();
    restoredUrl = `${MYSQL_ADMIN_URL.replace(/\/$/, '')}/${restoredDbName}`;
  }
  sourceWorker = await startClusterWorker({ POSTROOM_WORKERS: '1', POSTROOM_AUTH_PENALTY_MS: '0' });
});

after(async () => {
  for (const child of spawned) child.kill('SIGKILL');
  if (restoredDbName) {
    const conn = await adminConnection();
    await conn.query(`DROP DATABASE IF EXISTS \`${restoredDbName}\``);
    await conn.end();
  }
  await source.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

let sent = 0;
async function sendOne(port: number): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const n = ++sent;
  const info = await transport.sendMail({
    from: 'friend@elsewhere.example',
    to: ADDRESS,
    subject: `Message ${n}`,
    text: `Body of message ${n}\n${randomBytes(256).toString('base64')}\n`,
    attachments: n % 5 === 0 ? [{ filename: 'data.bin', content: randomBytes(40_000) }] : [],
  });
  assert.match(info.response, /^250 /);
  transport.close();
}

/** Sends mail continuously until `stop` resolves; returns how many were accepted. */
async function sendWhile(port: number, stop: Promise<unknown>): Promise<number> {
  let done = false;
  void stop.finally(() => (done = true));
  let count = 0;
  while (!done) {
    await sendOne(port);
    count++;
  }
  return count;
}

async function contentHashes(port: number): Promise<Map<number, string>> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: ADDRESS, pass: PASSWORD },
    logger: false,
    disableAutoIdle: true,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  await client.connect();
  const hashes = new Map<number, string>();
  const lock = await client.getMailboxLock('INBOX');
  try {
    if ((client.mailbox as { exists: number }).exists > 0)
      for await (const message of client.fetch('1:*', { uid: true, source: true }))
        hashes.set(message.uid, createHash('sha256').update(message.source!).digest('hex'));
  } finally {
    lock.release();
  }
  await client.logout();
  return hashes;
}

test('a busy instance is backed up, verified, restored into a fresh one and reads back the same', async () => {
  const smtpPort = sourceWorker.ports.smtp!;
  for (let i = 0; i < 25; i++) await sendOne(smtpPort);
  const acceptedBefore = sent;

  const first = postroom(['backup', backupRoot]);
  const duringFirst = await sendWhile(smtpPort, first);
  const firstRun = await first;
  assert.equal(firstRun.code, 0, firstRun.err);
  assert.match(firstRun.out, /backup written to/);
  assert.match(firstRun.err, /message files: \d+\/\d+/, 'progress is shown');

  const second = postroom(['backup', backupRoot]);
  const duringSecond = await sendWhile(smtpPort, second);
  const secondRun = await second;
  assert.equal(secondRun.code, 0, secondRun.err);
  assert.ok(duringFirst + duringSecond > 0, 'mail arrived while backing up');

  const dirs = [firstRun, secondRun].map((run) => /backup written to (\S+) in/.exec(run.out)![1]!);
  const firstManifest = readManifest(dirs[0]!);
  const manifest = readManifest(dirs[1]!);
  assert.ok((firstManifest.tables.messages ?? 0) >= acceptedBefore, 'everything acknowledged before is in');
  assert.ok(
    manifest.blobsLinked >= firstManifest.blobs.length,
    'unchanged message files are linked, not copied',
  );
  assert.equal(manifest.blobs.length, manifest.tables.messages, 'one file per message (all distinct)');

  const verified = await postroom(['backup', '--verify', backupRoot]);
  assert.equal(verified.code, 0, verified.err);
  assert.match(verified.out, /is sound/);

  // Restore the newest backup into a fresh instance and serve it.
  const restored = await postroom(['restore', backupRoot], restoredEnv());
  assert.equal(restored.code, 0, restored.err);
  const again = await postroom(['restore', backupRoot], restoredEnv());
  assert.equal(again.code, 2, 'a second restore into the now non-empty instance is refused');
  assert.match(again.err, /fresh instance only/);

  const restoredWorker = await startClusterWorker({ POSTROOM_WORKERS: '1', ...restoredEnv() });
  const restoredHashes = await contentHashes(restoredWorker.ports.imaps!);
  restoredWorker.primary.kill('SIGTERM');
  const originalHashes = await contentHashes(sourceWorker.ports.imaps!);
  assert.equal(restoredHashes.size, manifest.tables.messages);
  const backedUp = new Set(manifest.blobs.map(([hash]) => hash));
  for (const [uid, hash] of restoredHashes) {
    assert.equal(hash, originalHashes.get(uid), `message UID ${uid} reads back with the original content`);
    assert.ok(backedUp.has(hash));
  }
  assert.ok(originalHashes.size >= restoredHashes.size);

  // Damage: one message file flipped, then the database copy.
  const [victim] = manifest.blobs[manifest.blobs.length - 1]!;
  const victimPath = backupBlobPath(dirs[1]!, victim);
  const bytes = readFileSync(victimPath);
  bytes[bytes.length >> 1]! ^= 0x20;
  rmSync(victimPath); // not through the hard link: the first backup stays whole
  writeFileSync(victimPath, bytes);
  // (in this process: the CLI's exit codes were checked above; a start costs seconds here)
  const damaged = await verifyBackup(dirs[1]!);
  assert.ok(
    damaged.problems.some((problem) => problem.startsWith(`message file ${victim}: content hashes to`)),
  );
  assert.deepEqual((await verifyBackup(dirs[0]!)).problems, [], 'the first backup is untouched');

  const databasePath = join(dirs[0]!, firstManifest.database.path);
  const database = readFileSync(databasePath);
  database[database.length - 100]! ^= 0xff;
  writeFileSync(databasePath, database);
  const badDatabase = await verifyBackup(dirs[0]!);
  assert.ok(badDatabase.problems.some((problem) => /database\.\S+: checksum mismatch/.test(problem)));
});
