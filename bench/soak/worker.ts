// The Postroom under soak: a fresh database (test/helpers/db.ts) with the soak's accounts, and
// the real mail worker (server/worker.ts, production V8 flags) as a child process on ports the
// kernel picks, read back from its "mail worker listening" log line. Its warnings and errors are
// counted and kept in a log file beside the chart.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { WORKER_NODE_FLAGS } from '../../server/core/node-flags';
import type { Account, SoakAccounts, WorkerPorts } from './context';

const ROOT = join(import.meta.dirname, '..', '..');
const PASSWORD = 'Soak-Password-2026!';
const DOMAIN = 'soak.test';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export type Provider = 'sqlite' | 'mysql';

export interface SoakDatabase {
  provider: Provider;
  dataDir: string;
  /** The MariaDB schema name, for its size in information_schema. */
  mysqlSchema: string | undefined;
  accounts: SoakAccounts;
  cleanup(): Promise<void>;
}

/** Creates and migrates a fresh database and data dir, and adds the soak's mailboxes. */
export async function createSoakDatabase(provider: Provider, accountsPerPool: number): Promise<SoakDatabase> {
  process.env.POSTROOM_TEST_DB = provider; // read once by test/helpers/db.ts when it loads
  process.env.POSTROOM_LOG = 'silent'; // this process's own logging; the worker's env is its own
  const { createTestDatabase } = await import('../../test/helpers/db');
  const database = await createTestDatabase();
  const { addDomain, addMailbox } = await import('../../server/domain');
  await addDomain(DOMAIN);
  const account = async (local: string): Promise<Account> => {
    const address = `${local}@${DOMAIN}`;
    await addMailbox({ address, password: PASSWORD });
    return { address, password: PASSWORD };
  };
  const pool = (prefix: string) =>
    Promise.all(Array.from({ length: accountsPerPool }, (_, n) => account(`${prefix}${n + 1}`)));
  const accounts: SoakAccounts = {
    imap: await pool('imap'),
    pop3: await pool('pop'),
    dataDropTarget: await account('data-drop'),
    appendDropper: await account('append-drop'),
    victim: await account('victim'),
  };
  return {
    provider,
    dataDir: database.dataDir,
    mysqlSchema: database.url ? new URL(database.url).pathname.slice(1) : undefined,
    accounts,
    cleanup: () => database.cleanup(),
  };
}

export interface WorkerProblems {
  warnings: number;
  errors: number;
  byMessage: Map<string, number>;
}

export interface RunningWorker {
  pid: number;
  ports: WorkerPorts;
  /** Warning and error lines the worker has logged so far (stderr), and how many of each message. */
  problems: WorkerProblems;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function workerEnv(maintenanceSeconds: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Housekeeping (blob collection, pruning) more often than hourly, so a run shows it at work.
    POSTROOM_MAINTENANCE_INTERVAL_SECONDS: String(maintenanceSeconds),
    POSTROOM_HOSTNAME: 'mx.soak.test',
    POSTROOM_LISTEN: '127.0.0.1',
    POSTROOM_MAILAUTH: 'off', // no DNS lookups for SPF/DKIM/DMARC: nothing leaves the machine
    // Anything that were queued would go here and be deferred (nothing listens): it shows as
    // queue depth instead of leaving the machine.
    POSTROOM_RELAYHOST: '[127.0.0.1]:9',
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_POP3_ALLOW_PLAIN_AUTH: '1',
  };
  for (const name of ['SMTP', 'SUBMISSION', 'SMTPS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'MANAGESIEVE'])
    env[`POSTROOM_${name}_PORT`] = '0';
  delete env.POSTROOM_LOG; // the worker logs JSON lines: its ports on stdout, problems on stderr
  delete env.POSTROOM_TEST_DB;
  return env;
}

function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  return exited.then(() => clearTimeout(forced));
}

/** Counts the worker's warn/error lines (stderr, and anything not JSON) and appends them to `logPath`. */
function watchProblems(child: ChildProcess, logPath: string, problems: WorkerProblems): void {
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, '');
  createInterface({ input: child.stderr! }).on('line', (line) => {
    appendFileSync(logPath, `${line}\n`);
    const entry = parseLogLine(line);
    if (entry.level === 'warn') problems.warnings++;
    else problems.errors++; // error lines, and anything that is not a log line (a crash's stack)
    const key = `${entry.level}: ${entry.msg}`;
    problems.byMessage.set(key, (problems.byMessage.get(key) ?? 0) + 1);
  });
}

function parseLogLine(line: string): { level: string; msg: string } {
  try {
    const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
    return { level: String(entry.level), msg: String(entry.msg) };
  } catch {
    return { level: 'output', msg: line.slice(0, 120) };
  }
}

export async function startWorker(logPath: string, maintenanceSeconds: number): Promise<RunningWorker> {
  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'server', 'worker.ts')],
    { env: workerEnv(maintenanceSeconds), cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const problems: WorkerProblems = { warnings: 0, errors: 0, byMessage: new Map() };
  watchProblems(child, logPath, problems);
  const worker = { pid: child.pid!, problems, exited, stop: () => stopChild(child, exited) };
  try {
    const ports = await new Promise<WorkerPorts>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('worker did not start in time')), START_TIMEOUT_MS);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        // Per-connection events are many; the rest (listening, housekeeping done) go to the log.
        if (!line.includes('"action":')) appendFileSync(logPath, `${line}\n`);
        if (!line.includes('"mail worker listening"')) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as WorkerPorts);
      });
      void exited.then((code) =>
        reject(new Error(`worker exited (${code}) before listening; see ${logPath}`)),
      );
    });
    return { ...worker, ports };
  } catch (error) {
    await worker.stop();
    throw error;
  }
}
