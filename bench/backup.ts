// How long `postroom backup` takes for a mailbox of 10,000 messages (about 4 KiB each, one in ten
// with a 60 KiB attachment), on SQLite and on MariaDB: the first (full) backup, a second one right
// after (every message file linked from the first), and --verify of the second. With
// --blob-store database the content is stored in blob_chunks rows (POSTROOM_BLOB_STORE=database)
// and the backup writes it out of the snapshot as message files.
//
//   npx tsx bench/backup.ts [--sqlite-only | --mysql-only] [--messages 10000] [--blob-store database]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase, type Provider } from './support/postroom';

const at = process.argv.indexOf('--messages');
const MESSAGES = at >= 0 ? Number(process.argv[at + 1]) : 10_000;
const storeAt = process.argv.indexOf('--blob-store');
const BLOB_STORE = storeAt >= 0 ? process.argv[storeAt + 1]! : 'filesystem';
if (BLOB_STORE !== 'filesystem' && BLOB_STORE !== 'database')
  throw new Error('--blob-store is filesystem or database');
process.env.POSTROOM_BLOB_STORE = BLOB_STORE;
const providers: Provider[] = process.argv.includes('--sqlite-only')
  ? ['sqlite']
  : process.argv.includes('--mysql-only')
    ? ['mysql']
    : ['sqlite', 'mysql'];

function message(n: number): Buffer {
  const body = randomBytes(n % 10 === 0 ? 45_000 : 3_000)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `From: bench@elsewhere.example\r\nTo: alice@backup.bench.test\r\nSubject: backup bench ${n}\r\nMessage-ID: <${n}.${Date.now()}@bench>\r\n\r\n${body}\r\n`,
  );
}

async function measure(provider: Provider): Promise<string[]> {
  const database = await createBenchDatabase(provider, 'backup.bench.test', ['alice'], 'Bench-password-42');
  const { db, closeDb } = await import('../server/core/db');
  const { appendMessage } = await import('../server/store/append');
  const { backup, stderrProgress, verifyBackup } = await import('../server/backup');
  const root = mkdtempSync(join(tmpdir(), 'postroom-backup-bench-'));
  try {
    const inbox = await db().folder.findFirstOrThrow({ where: { name: 'INBOX' } });
    const filling = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < MESSAGES) {
          const n = next++;
          await appendMessage(message(n), [{ folderId: inbox.id }]);
          if ((n + 1) % 1000 === 0) process.stderr.write(`${provider}: ${n + 1} queued for storing\n`);
        }
      }),
    );
    const fillSeconds = (Date.now() - filling) / 1000;
    const instance = { databaseUrl: database.env.DATABASE_URL, dataDir: database.env.POSTROOM_DATA_DIR! };
    const full = await backup(root, instance, stderrProgress);
    const again = await backup(root, instance, stderrProgress);
    const verifying = Date.now();
    const verified = await verifyBackup(again.dir);
    const verifySeconds = (Date.now() - verifying) / 1000;
    if (verified.problems.length) throw new Error(verified.problems.join('\n'));
    const { restore } = await import('../server/backup');
    const restoreDir = mkdtempSync(join(tmpdir(), 'postroom-restore-bench-'));
    let restoreLine = '';
    if (provider === 'sqlite') {
      // into a fresh SQLite instance (a MariaDB one would need a second database made here)
      const restored = await restore(again.dir, { databaseUrl: undefined, dataDir: restoreDir });
      restoreLine = `, restore ${restored.seconds.toFixed(1)} s into the ${restored.blobStore}`;
    }
    rmSync(restoreDir, { recursive: true, force: true });
    const mib = full.manifest.blobs.reduce((sum, [, size]) => sum + size, 0) / 1048576;
    return [
      `${provider}, ${BLOB_STORE} store: ${MESSAGES} messages (${mib.toFixed(0)} MiB) stored in ${fillSeconds.toFixed(1)} s`,
      `${provider}: full backup ${full.seconds.toFixed(1)} s (${full.manifest.blobsFromDatabase ?? 0} from the database), incremental ${again.seconds.toFixed(1)} s (${again.manifest.blobsLinked} linked), verify ${verifySeconds.toFixed(1)} s${restoreLine}`,
    ];
  } finally {
    await closeDb();
    await database.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
}

if (providers.length > 1) {
  // one process per provider: the database client and configuration are process-wide
  const { spawnSync } = await import('node:child_process');
  const rest = process.argv.slice(2);
  for (const provider of providers) {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        process.argv[1]!,
        ...rest,
        provider === 'sqlite' ? '--sqlite-only' : '--mysql-only',
      ],
      { stdio: 'inherit' },
    );
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
} else console.log((await measure(providers[0]!)).join('\n'));
process.exit(0);
