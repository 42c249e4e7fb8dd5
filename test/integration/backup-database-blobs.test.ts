// postroom backup / restore / backup --verify with message content in the database
// (POSTROOM_BLOB_STORE=database) and half migrated: a worker stores mail as files, then (the
// settings row `postroom blobs migrate` writes first) in blob_chunks rows, a message of three
// chunks among them. The backup carries all of it as message files and a database copy without
// chunk rows; a second backup after more mail links what the first holds; the instance is wiped
// and restored, and a worker started on it serves every message over IMAP (imapflow) byte-equal,
// its content back in rows. A damaged chunk in the live database fails the backup; a damaged
// message file in the backup fails --verify.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import mariadb from 'mariadb';
import nodemailer from 'nodemailer';
import { MYSQL_ADMIN_URL, TEST_PROVIDER, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { closeDb } from '../../server/core/db';
import { mariadbOptions } from '../../server/core/database-url';
import { backupBlobPath, readManifest } from '../../server/backup/manifest';
import { listBlobFiles } from '../../server/backup/files';
import { verifyBackup } from '../../server/backup';
import { blobRoot } from '../../server/store/blobs';
import { CHUNK_BYTES } from '../../server/store/blob-store-db';
import { spawned, startClusterWorker, type ClusterWorker } from './worker-cluster';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
const PASSWORD = 'Backup-chunks-7-battery';
const ADDRESS = 'alice@example.org';

let source: TestDatabase;
let worker: ClusterWorker | undefined;
const scratch = mkdtempSync(join(tmpdir(), 'postroom-backup-db-'));
const backupRoot = join(scratch, 'backups');

/** One statement on the instance's database, through a connection of its own. */
async function sql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
  if (TEST_PROVIDER === 'sqlite') {
    const db = new Database(join(source.dataDir, 'postroom.db'), { timeout: 10_000 });
    try {
      const statement = db.prepare(query);
      return statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []);
    } finally {
      db.close();
    }
  }
  const conn = await mariadb.createConnection({ ...mariadbOptions(source.url!), bigIntAsNumber: true });
  try {
    const rows = await conn.query(query, params);
    return Array.isArray(rows) ? (rows as T[]) : [];
  } finally {
    await conn.end();
  }
}

function postroom(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, POSTROOM_LOG: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

// Small messages would go into rows under either store (blob-store.ts): off, so the first three are files.
const startWorker = () =>
  startClusterWorker({
    POSTROOM_WORKERS: '1',
    POSTROOM_AUTH_PENALTY_MS: '0',
    POSTROOM_INLINE_BLOB_BYTES: '0',
  });

before(async () => {
  source = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: ADDRESS, password: PASSWORD, displayName: 'Alice' });
  await closeDb();
  delete process.env.POSTROOM_BLOB_STORE; // the store comes from the settings row below
  worker = await startWorker();
});

after(async () => {
  for (const child of spawned) child.kill('SIGKILL');
  await source.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

let sent = 0;
async function sendOne(big = false): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: worker!.ports.smtp!,
    secure: false,
    ignoreTLS: true,
  });
  const n = ++sent;
  const info = await transport.sendMail({
    from: 'friend@elsewhere.example',
    to: ADDRESS,
    subject: `Message ${n}`,
    text: `Body of message ${n}\n${randomBytes(300).toString('base64')}\n`,
    // random bytes: a gzipped database dump could not hide content in it
    attachments: big ? [{ filename: 'big.bin', content: randomBytes(Math.ceil(CHUNK_BYTES * 1.8)) }] : [],
  });
  assert.match(info.response, /^250 /);
  transport.close();
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
    for await (const message of client.fetch('1:*', { uid: true, source: true }))
      hashes.set(message.uid, createHash('sha256').update(message.source!).digest('hex'));
  } finally {
    lock.release();
  }
  await client.logout();
  return hashes;
}

async function chunkBlobs(): Promise<string[]> {
  return (await sql<{ sha256: string }>('SELECT DISTINCT sha256 FROM blob_chunks ORDER BY sha256')).map(
    (row) => String(row.sha256),
  );
}

async function stopWorker(): Promise<void> {
  const primary = worker!.primary;
  worker = undefined;
  if (primary.exitCode !== null) return;
  const exited = new Promise((resolve) => primary.once('exit', resolve));
  primary.kill('SIGTERM');
  await exited;
}

test('content in files and in database rows is backed up, linked, verified, wiped, restored and read back', async () => {
  // Half migrated: three messages as files, then the store switched to the database.
  for (let i = 0; i < 3; i++) await sendOne();
  assert.equal((await listBlobFiles(blobRoot(source.dataDir))).length, 3);
  await sql(
    "INSERT INTO settings (`key`, value) VALUES ('blob_store', 'database')".replace(
      /`/g,
      TEST_PROVIDER === 'sqlite' ? '"' : '`',
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the worker's cached choice expires (1 s)
  for (let i = 0; i < 3; i++) await sendOne(i === 1);
  const inRows = await chunkBlobs();
  assert.equal(inRows.length, 3, 'the later messages are stored in rows');
  assert.equal((await listBlobFiles(blobRoot(source.dataDir))).length, 3, 'and wrote no files');
  const [big] = await sql<{ n: number }>(
    'SELECT COUNT(*) AS n FROM blob_chunks GROUP BY sha256 ORDER BY n DESC',
  );
  assert.equal(Number(big!.n), 3, 'the large message spans three chunks');

  const first = await postroom(['backup', backupRoot]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /3 held in the database/);
  const firstDir = /backup written to (\S+) in/.exec(first.out)![1]!;
  const firstManifest = readManifest(firstDir);
  assert.equal(firstManifest.blobs.length, 6, 'files and rows alike are in the backup');
  assert.equal(firstManifest.blobsFromDatabase, 3);
  assert.equal(firstManifest.blobStore, 'database');
  assert.equal(firstManifest.tables.blob_chunks, 0, 'the database copy carries no chunk rows');
  for (const hash of inRows) assert.ok(firstManifest.blobs.some(([h]) => h === hash));
  const databaseCopy = statSync(join(firstDir, firstManifest.database.path)).size;
  assert.ok(databaseCopy < CHUNK_BYTES, `the database copy (${databaseCopy} bytes) holds no message content`);

  // More mail, then an incremental backup: what the first holds is linked, the new is copied.
  for (let i = 0; i < 2; i++) await sendOne();
  const second = await postroom(['backup', backupRoot]);
  assert.equal(second.code, 0, second.err);
  const secondDir = /backup written to (\S+) in/.exec(second.out)![1]!;
  const manifest = readManifest(secondDir);
  assert.equal(manifest.blobs.length, 8);
  assert.equal(manifest.blobsLinked, 6, 'the first backup’s content is linked, not read again');
  assert.equal(manifest.blobsFromDatabase, 5);
  const [hashOfNew] = (await chunkBlobs()).filter((hash) => !inRows.includes(hash));
  assert.equal(statSync(backupBlobPath(secondDir, hashOfNew!)).nlink, 1, 'new content is a copy');

  const verified = await postroom(['backup', '--verify', backupRoot]);
  assert.equal(verified.code, 0, verified.err);
  assert.match(verified.out, /is sound/);

  // Wipe the instance, restore the newest backup into it, serve it.
  const original = await contentHashes(worker!.ports.imaps!);
  assert.equal(original.size, 8);
  await stopWorker();
  await closeDb();
  if (TEST_PROVIDER === 'sqlite') rmSync(source.dataDir, { recursive: true, force: true });
  else {
    const { database } = mariadbOptions(source.url!);
    const admin = await mariadb.createConnection({ ...mariadbOptions(MYSQL_ADMIN_URL), database: undefined });
    await admin.query(`DROP DATABASE \`${database}\``);
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    rmSync(source.dataDir, { recursive: true, force: true });
  }
  const restored = await postroom(['restore', backupRoot]);
  assert.equal(restored.code, 0, restored.err);
  assert.match(restored.out, /into the database/);
  assert.deepEqual(await listBlobFiles(blobRoot(source.dataDir)), [], 'no message file: all in rows');
  assert.equal((await chunkBlobs()).length, 8);

  worker = await startWorker();
  const back = await contentHashes(worker.ports.imaps!);
  assert.deepEqual(
    [...back.entries()].sort(),
    [...original.entries()].sort(),
    'every message reads back byte-equal',
  );
  const again = await postroom(['restore', backupRoot]);
  assert.equal(again.code, 2, 'the restored instance is not empty any more');

  // A damaged chunk in the live database: the backup names it and fails rather than copy it.
  const victim = [...manifest.blobs].sort(([, a], [, b]) => b - a)[0]![0];
  const [row] = await sql<{ data: Buffer }>('SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = 1', [
    victim,
  ]);
  const damaged = Buffer.from(row!.data);
  damaged[damaged.length >> 1]! ^= 0x40;
  await sql('UPDATE blob_chunks SET data = ? WHERE sha256 = ? AND idx = 1', [damaged, victim]);
  rmSync(backupRoot, { recursive: true, force: true }); // nothing to link from: the content is read
  const failed = await postroom(['backup', backupRoot]);
  assert.notEqual(failed.code, 0);
  assert.match(failed.err, new RegExp(`message content ${victim} in the database is damaged`));

  // A damaged message file (content that came from rows) in a backup: --verify finds it.
  await sql('UPDATE blob_chunks SET data = ? WHERE sha256 = ? AND idx = 1', [row!.data, victim]);
  const good = await postroom(['backup', backupRoot]);
  assert.equal(good.code, 0, good.err);
  const goodDir = /backup written to (\S+) in/.exec(good.out)![1]!;
  assert.deepEqual((await verifyBackup(goodDir)).problems, []);
  const path = backupBlobPath(goodDir, victim);
  const bytes = readFileSync(path);
  bytes[CHUNK_BYTES + 17]! ^= 0x01;
  writeFileSync(path, bytes);
  const problems = (await verifyBackup(goodDir)).problems;
  assert.ok(
    problems.some((problem) => problem.startsWith(`message file ${victim}: content hashes to`)),
    problems.join('\n'),
  );
});
