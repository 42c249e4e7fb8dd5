// A Postroom for a bench to measure: a fresh database (SQLite or MariaDB, test/helpers/db.ts) with
// the bench's mailboxes, and the real mail worker as a child process on ports the kernel picks,
// read back from its "mail worker listening" log line. The worker is the one `postroom start` runs:
// compiled ahead of time (dist/server/worker.js, rebuilt here when a source is newer) with the
// production V8 flags; BENCH_SOURCES=1 runs server/worker.ts through tsx instead.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { WORKER_NODE_FLAGS } from '../../server/core/node-flags';

const ROOT = join(import.meta.dirname, '..', '..');

export type Provider = 'sqlite' | 'mysql';

export interface BenchDatabase {
  provider: Provider;
  /** DATABASE_URL and POSTROOM_DATA_DIR for the worker. */
  env: Record<string, string | undefined>;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database holding `domain` and one mailbox per address, all with `password`. */
export async function createBenchDatabase(
  provider: Provider,
  domain: string,
  locals: string[],
  password: string,
): Promise<BenchDatabase> {
  process.env.POSTROOM_TEST_DB = provider; // read by test/helpers/db.ts when it loads
  process.env.POSTROOM_LOG = 'silent';
  const { createTestDatabase } = await import('../../test/helpers/db');
  const database = await createTestDatabase();
  const { addDomain, addMailbox } = await import('../../server/domain');
  await addDomain(domain);
  for (const local of locals) await addMailbox({ address: `${local}@${domain}`, password });
  const env: Record<string, string | undefined> = { POSTROOM_DATA_DIR: database.dataDir };
  if (database.url) env.DATABASE_URL = database.url;
  return { provider, env, cleanup: () => database.cleanup() };
}

export interface WorkerPorts {
  smtp: number;
  submission: number;
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
}

export interface RunningWorker {
  pid: number;
  ports: WorkerPorts;
  stop(): Promise<void>;
}

/** The worker's entry point and the flags it needs: the build unless BENCH_SOURCES=1. */
function workerEntry(): string[] {
  if (process.env.BENCH_SOURCES === '1') return ['--import', 'tsx', join(ROOT, 'server', 'worker.ts')];
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-server.js')], { stdio: 'inherit' });
  return [join(ROOT, 'dist', 'server', 'worker.js')];
}

/** Starts the mail worker with the database's environment plus `extra`; resolves once it listens. */
export async function startWorker(
  database: BenchDatabase,
  extra: Record<string, string | undefined> = {},
): Promise<RunningWorker> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...database.env,
    POSTROOM_LOG: '',
    POSTROOM_HOSTNAME: 'mx.bench.test',
    POSTROOM_LISTEN: '127.0.0.1',
    POSTROOM_SMTP_PORT: '0',
    POSTROOM_SUBMISSION_PORT: '0',
    POSTROOM_SMTPS_PORT: '0',
    POSTROOM_IMAP_PORT: '0',
    POSTROOM_IMAPS_PORT: '0',
    POSTROOM_POP3_PORT: '0',
    POSTROOM_POP3S_PORT: '0',
    POSTROOM_MANAGESIEVE_PORT: '0',
    // Off: a bench runs several workers at once (SQLite and MariaDB), and only one could have 9465.
    POSTROOM_WORKER_METRICS_PORT: '0',
    POSTROOM_MAILAUTH: 'off',
    ...extra,
  };
  if (!database.env.DATABASE_URL) delete env.DATABASE_URL;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...WORKER_NODE_FLAGS,
      // e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS)
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      ...workerEntry(),
    ],
    { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await new Promise<WorkerPorts>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker did not start within 60 s')), 60_000);
    void exited.then((code) => reject(new Error(`the worker exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      // With several workers it says how many connections each one took: the balance.
      if (line.includes('"connectionsPerWorker"')) process.stderr.write(`  worker stop: ${line}\n`);
      if (!line.includes('mail worker listening')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as WorkerPorts);
    });
  });
  return {
    pid: child.pid!,
    ports,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r('late'), 20_000))]);
      if (stopped === 'late') child.kill('SIGKILL');
    },
  };
}
