// SMTP delivery benchmark with Postfix's smtp-source as the client, in both shapes real traffic
// has: one message per connection (how most remote MTAs deliver: connect, one message, QUIT) and
// many messages per connection (`smtp-source -d`). N messages of SIZE bytes over S parallel
// sessions to one local mailbox, against Postroom on SQLite and on MariaDB (the real mail worker,
// bench/support/postroom.ts) and the Postfix -> Dovecot (LMTP) reference of bench/reference/up.sh,
// in the same run and taking turns (reference, SQLite, MariaDB per shape and round) so the
// machine's other load hits every side alike. Postroom answers 250 only after fsync + commit, so
// its "accepted" is "stored" (checked by counting rows at the end); the reference's "stored"
// waits for the files in its maildir.
//
// usage: npx tsx bench/smtp.ts [--messages 2000] [--sessions 20] [--size 10240] [--rounds 1]
//          [--shapes one,many] [--providers sqlite,mysql] [--no-reference] [--workers N]
//        --workers N: POSTROOM_WORKERS for Postroom's worker (unset: the worker's default, one per core).
//        BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" adds flags to the worker's node.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REFERENCE_DIR, REFERENCE_PORTS, referenceMaildirNew } from './reference/paths';
import { type BenchDatabase, type Provider, type RunningWorker, startWorker } from './support/postroom';

const ROOT = join(import.meta.dirname, '..');
const SMTP_SOURCE = '/usr/sbin/smtp-source';
/** Environment maps as plain records: Next's types make NODE_ENV a required key of ProcessEnv. */
type Env = Record<string, string | undefined>;
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '10240' },
    rounds: { type: 'string', default: '1' },
    shapes: { type: 'string', default: 'one,many' },
    providers: { type: 'string', default: 'sqlite,mysql' },
    'no-reference': { type: 'boolean', default: false },
    workers: { type: 'string' },
    'mysql-url': {
      type: 'string',
      default: process.env.POSTROOM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    },
  },
});
const MESSAGES = Number(args.messages);
const SESSIONS = Number(args.sessions);
const SIZE = Number(args.size);
const ROUNDS = Number(args.rounds);
const REFERENCE_MAILDIR = referenceMaildirNew('bench50');

type Shape = 'one' | 'many';
const SHAPE_NAMES: Record<Shape, string> = {
  one: 'one message per connection',
  many: 'many messages per connection (-d)',
};

interface Target {
  name: string;
  port: number;
  recipient: string;
  /** Messages stored so far (rows, or maildir files). */
  stored(): number;
  /** Its 250 comes after the commit: stored when accepted, counted before and after only. */
  storesBeforeReply: boolean;
  /** CPU seconds used so far by the processes that do this side's work (see treeCpuSeconds). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

interface Measurement {
  accepted: number;
  stored: number;
  acceptSeconds: number;
  storeSeconds: number;
  /** CPU seconds the side's processes used in the run (user + system, exited children included). */
  cpu: number;
  /** The MariaDB server's CPU seconds in the run (shared with whatever else uses it: indicative). */
  dbCpu: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Parent pid and CPU ticks (utime + stime + cutime + cstime) of every live process. */
function processTable(): Map<number, { ppid: number; ticks: number }> {
  const table = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state ppid ... utime(14) stime cutime cstime.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      table.set(Number(name), { ppid: Number(fields[1]), ticks });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/**
 * CPU seconds of the process trees under `roots`: every live process's own time plus that of its
 * children that have exited and been waited for (so a Postfix smtpd that ended after its 100
 * connections still counts, through its master), never counted twice.
 */
function treeCpuSeconds(roots: number[]): number {
  const table = processTable();
  const inTree = (pid: number): boolean => {
    for (let current = pid, depth = 0; current > 1 && depth < 64; depth++) {
      if (roots.includes(current)) return true;
      current = table.get(current)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, entry] of table) if (inTree(pid)) ticks += entry.ticks;
  return ticks / CLOCK_TICKS;
}

function pidFile(path: string): number[] {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? [pid] : [];
  } catch {
    return [];
  }
}

/** The MariaDB server on the bench's port, when there is one on this machine. */
function mariadbPid(): number[] {
  const port = Number(new URL(args['mysql-url']!).port || 3306);
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const match = /pid=(\d+)/.exec(result.stdout ?? '');
  return match ? [Number(match[1])] : [];
}

/** Runs smtp-source; -d keeps one connection per session for all its messages. */
function smtpSource(shape: Shape, port: number, recipient: string): Promise<{ ok: boolean; output: string }> {
  const argv = [
    ...(shape === 'many' ? ['-d'] : []),
    '-m',
    String(MESSAGES),
    '-s',
    String(SESSIONS),
    '-l',
    String(SIZE),
    '-f',
    'bench@elsewhere.example',
    '-t',
    recipient,
    '-M',
    'bench.elsewhere.example',
    `127.0.0.1:${port}`,
  ];
  return new Promise((resolve) => {
    const child = spawn(SMTP_SOURCE, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ ok: code === 0, output: output.trim() }));
  });
}

async function measure(target: Target, shape: Shape): Promise<Measurement> {
  const before = target.stored();
  const database = mariadbPid();
  const cpuBefore = target.cpuSeconds();
  const dbCpuBefore = treeCpuSeconds(database);
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const run = await smtpSource(shape, target.port, target.recipient);
  const acceptSeconds = seconds();
  if (!run.ok) console.log(`  ${target.name}: smtp-source failed: ${run.output.slice(0, 300)}`);
  // The reference queues first and delivers after: wait for its maildir (a cheap directory read).
  if (!target.storesBeforeReply)
    while (target.stored() - before < MESSAGES && seconds() < 300)
      await new Promise((resolve) => setTimeout(resolve, 50));
  const storeSeconds = target.storesBeforeReply ? acceptSeconds : seconds();
  const cpu = target.cpuSeconds() - cpuBefore;
  const dbCpu = treeCpuSeconds(database) - dbCpuBefore;
  const stored = target.stored() - before;
  // smtp-source stops at the first refusal; it sent at most MESSAGES.
  return { accepted: run.ok ? MESSAGES : stored, stored, acceptSeconds, storeSeconds, cpu, dbCpu };
}

/** Counts the messages in a Postroom database from a child process (db() is one per process). */
function countMessages(env: Env): number {
  const code =
    'const { db } = await import(process.env.BENCH_DB_MODULE); console.log(await db().message.count()); process.exit(0);';
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...databaseEnv(env), BENCH_DB_MODULE: join(ROOT, 'server', 'core', 'db.ts') },
    encoding: 'utf8',
    cwd: ROOT,
  });
  const count = Number(result.stdout.trim());
  if (!Number.isInteger(count)) throw new Error(`could not count messages: ${result.stderr}`);
  return count;
}

/** The environment of a process on this database: without DATABASE_URL it is SQLite in the data dir. */
function databaseEnv(env: Env): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env, POSTROOM_LOG: 'silent' };
  if (!env.DATABASE_URL) delete merged.DATABASE_URL;
  return merged;
}

function postroomCli(env: Env, argv: string[], input?: string): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'postroom.js'), ...argv], {
    env: databaseEnv(env),
    input,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`postroom ${argv.join(' ')} failed: ${result.stderr || result.stdout}`);
}

async function mariadbAdmin<T>(work: (query: (sql: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  const mariadb = await import('mariadb');
  const admin = new URL(args['mysql-url']!);
  const conn = await mariadb.createConnection({
    host: admin.hostname,
    port: Number(admin.port || 3306),
    user: admin.username || 'root',
    password: decodeURIComponent(admin.password),
  });
  try {
    return await work((sql) => conn.query(sql));
  } finally {
    await conn.end();
  }
}

/** A fresh database with bench.test and kim@bench.test, made with the CLI (any provider, any process). */
async function createDatabase(provider: Provider): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `postroom-bench-smtp-${provider}-`));
  const env: Env = { POSTROOM_DATA_DIR: dataDir };
  const dbName = `postroom_bench_${randomBytes(4).toString('hex')}`;
  if (provider === 'mysql') {
    await mariadbAdmin((query) =>
      query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
    );
    env.DATABASE_URL = `${args['mysql-url']!.replace(/\/$/, '')}/${dbName}`;
  }
  postroomCli(env, ['migrate']);
  postroomCli(env, ['domain', 'add', 'bench.test']);
  postroomCli(env, ['user', 'add', 'kim@bench.test', '--password-stdin'], 'Bench-Password-2026!\n');
  return {
    provider,
    env,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (provider === 'mysql') await mariadbAdmin((query) => query(`DROP DATABASE IF EXISTS \`${dbName}\``));
    },
  };
}

async function postroomTarget(provider: Provider): Promise<Target> {
  const database = await createDatabase(provider);
  let worker: RunningWorker;
  try {
    const extra: Env = { POSTROOM_QUEUE_RUNNER: 'off' };
    if (args.workers) extra.POSTROOM_WORKERS = args.workers;
    worker = await startWorker(database, extra);
  } catch (error) {
    await database.cleanup();
    throw error;
  }
  return {
    name: `Postroom (${provider === 'mysql' ? 'MariaDB' : 'SQLite'}${args.workers ? `, ${args.workers} workers` : ''})`,
    port: worker.ports.smtp,
    recipient: 'kim@bench.test',
    stored: () => countMessages(database.env),
    storesBeforeReply: true,
    cpuSeconds: () => treeCpuSeconds([worker.pid]),
    async stop() {
      await worker.stop();
      await database.cleanup();
    },
  };
}

function referenceTarget(): Target {
  const count = () => {
    try {
      return readdirSync(REFERENCE_MAILDIR).length;
    } catch {
      return 0;
    }
  };
  return {
    name: 'Postfix -> Dovecot',
    port: REFERENCE_PORTS.smtp,
    recipient: 'bench50@example.test',
    stored: count,
    storesBeforeReply: false,
    // Postfix's master and Dovecot's, with everything they started (smtpd, cleanup, qmgr, lmtp...).
    cpuSeconds: () =>
      treeCpuSeconds([
        ...pidFile(join(REFERENCE_DIR, 'postfix', 'spool', 'pid', 'master.pid')),
        ...pidFile(join(REFERENCE_DIR, 'dovecot', 'run', 'master.pid')),
      ]),
    stop: async () => undefined,
  };
}

function cpuPerMessage(seconds: number, result: Measurement): string {
  return result.stored > 0 ? ((seconds * 1000) / result.stored).toFixed(2) : '-';
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? count / seconds : 0;
}

const shapes = args.shapes!.split(',').filter((shape): shape is Shape => shape === 'one' || shape === 'many');
console.log(
  `SMTP bench (smtp-source): ${MESSAGES} messages of ${SIZE} bytes over ${SESSIONS} sessions, ${ROUNDS} round(s); load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
const targets: Target[] = [];
if (!args['no-reference']) targets.push(referenceTarget());
try {
  for (const provider of args.providers!.split(',').filter(Boolean) as Provider[])
    targets.push(await postroomTarget(provider));
  const results = new Map<string, Measurement[]>();
  for (let round = 1; round <= ROUNDS; round++)
    for (const shape of shapes)
      for (const target of targets) {
        const result = await measure(target, shape);
        const key = `${shape}\t${target.name}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        console.log(
          `  round ${round}, ${SHAPE_NAMES[shape]}, ${target.name}: stored ${result.stored} in ${result.storeSeconds.toFixed(1)} s, CPU ${cpuPerMessage(result.cpu, result)} ms/msg${target.name.includes('MariaDB') ? ` (+ mariadbd ${cpuPerMessage(result.dbCpu, result)})` : ''} (load ${loadavg()[0]!.toFixed(2)})`,
        );
      }
  for (const shape of shapes) {
    console.log(`\n${SHAPE_NAMES[shape]}:`);
    const stored = (name: string) => {
      const rows = results.get(`${shape}\t${name}`) ?? [];
      return rows.map((row) => rate(row.stored, row.storeSeconds));
    };
    const reference = args['no-reference'] ? [] : stored('Postfix -> Dovecot');
    for (const target of targets) {
      const rates = stored(target.name);
      const accepted = (results.get(`${shape}\t${target.name}`) ?? []).map((row) =>
        rate(row.accepted, row.acceptSeconds),
      );
      const ratios = reference.length ? rates.map((value, i) => value / reference[i]!) : [];
      const cpu = (results.get(`${shape}\t${target.name}`) ?? []).map((row) => cpuPerMessage(row.cpu, row));
      console.log(
        `  ${target.name.padEnd(20)} stored ${rates.map((value) => value.toFixed(0)).join(', ')} msg/s  CPU ${cpu.join(', ')} ms/msg  accepted ${accepted.map((value) => value.toFixed(0)).join(', ')} msg/s${
          ratios.length && target.name !== 'Postfix -> Dovecot'
            ? `  ratio to the reference ${ratios.map((value) => value.toFixed(2)).join(', ')} (target ${shape === 'one' ? '1.5' : '2'})`
            : ''
        }`,
      );
    }
  }
} finally {
  for (const target of targets) await target.stop();
}
