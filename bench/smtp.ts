// SMTP delivery benchmark: N messages of SIZE bytes over S concurrent sessions to one local
// mailbox, against Postroom on SQLite and on MariaDB and, side by side in the same run, against
// the Postfix -> Dovecot (LMTP) reference from bench/reference/up.sh. The same raw-socket
// client (PIPELINING of MAIL/RCPT/DATA) drives every target. Postroom answers 250 only after
// fsync + commit, so "accepted" is "stored"; for the reference, "stored" waits for the maildir.
//
// usage: npx tsx bench/smtp.ts [--messages 5000] [--sessions 20] [--size 10240]
//          [--providers sqlite,mysql] [--reference 127.0.0.1:11025] [--no-reference]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { WORKER_NODE_FLAGS } from '../server/core/node-flags';
import { referenceMaildirNew } from './reference/paths';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '10240' },
    providers: { type: 'string', default: 'sqlite,mysql' },
    reference: { type: 'string', default: '127.0.0.1:11025' },
    'no-reference': { type: 'boolean', default: false },
    'mysql-url': {
      type: 'string',
      default: process.env.POSTROOM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    },
  },
});
const MESSAGES = Number(args.messages);
const SESSIONS = Number(args.sessions);
const SIZE = Number(args.size);
const REFERENCE_MAILDIR = referenceMaildirNew('bench50');

interface RunResult {
  accepted: number;
  failed: number;
  seconds: number;
  latencies: number[];
}

/** A minimal SMTP client session: reads multi-line replies, one waiter per expected reply. */
class Session {
  private buffer = '';
  private waiters: ((reply: string) => void)[] = [];
  private lines: string[] = [];
  constructor(private socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let index: number;
      while ((index = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, index);
        this.buffer = this.buffer.slice(index + 2);
        this.lines.push(line);
        if (/^\d{3} /.test(line)) {
          const reply = this.lines.join('\n');
          this.lines = [];
          this.waiters.shift()?.(reply);
        }
      }
    });
  }
  static open(host: string, port: number): Promise<Session> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new Session(socket)));
      socket.once('error', reject);
    });
  }
  reply(): Promise<string> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  async command(text: string, replies = 1): Promise<string[]> {
    const pending = Array.from({ length: replies }, () => this.reply());
    this.socket.write(text);
    return Promise.all(pending);
  }
  close(): void {
    this.socket.end('QUIT\r\n');
  }
}

function makeMessage(n: number, to: string): string {
  const head = `From: Bench <bench@elsewhere.example>\r\nTo: <${to}>\r\nSubject: bench ${n}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <${n}.${randomBytes(6).toString('hex')}@elsewhere.example>\r\n\r\n`;
  const line = `${randomBytes(36).toString('base64')}\r\n`;
  return head + line.repeat(Math.max(1, Math.ceil((SIZE - head.length) / line.length)));
}

async function load(host: string, port: number, recipient: string): Promise<RunResult> {
  let next = 0;
  const result: RunResult = { accepted: 0, failed: 0, seconds: 0, latencies: [] };
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      const session = await Session.open(host, port);
      await session.reply();
      await session.command('EHLO bench.example\r\n');
      while (next < MESSAGES) {
        const n = next++;
        const envelope = await session.command(
          `MAIL FROM:<bench@elsewhere.example>\r\nRCPT TO:<${recipient}>\r\nDATA\r\n`,
          3,
        );
        if (!envelope[2]!.startsWith('354')) {
          result.failed++;
          await session.command('RSET\r\n');
          continue;
        }
        const body = makeMessage(n, recipient).replace(/^\./gm, '..');
        const sent = process.hrtime.bigint();
        const [reply] = await session.command(`${body}.\r\n`);
        result.latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
        if (reply!.startsWith('250')) result.accepted++;
        else result.failed++;
      }
      session.close();
    }),
  );
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return result;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function cli(env: NodeJS.ProcessEnv, argv: string[], input?: string): void {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'postroom.js'), ...argv], {
    env,
    input,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`postroom ${argv.join(' ')} failed: ${result.stderr || result.stdout}`);
}

function countStored(env: NodeJS.ProcessEnv): number {
  const code =
    'const { db } = await import(process.env.BENCH_DB_MODULE); console.log(await db().message.count()); process.exit(0);';
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...env, BENCH_DB_MODULE: join(root, 'server', 'core', 'db.ts') },
    encoding: 'utf8',
    cwd: root,
  });
  return Number(result.stdout.trim());
}

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function benchPostroom(provider: 'sqlite' | 'mysql') {
  const dataDir = mkdtempSync(join(tmpdir(), `postroom-bench-${provider}-`));
  const dbName = `postroom_bench_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSTROOM_DATA_DIR: dataDir,
    POSTROOM_LOG: 'silent',
    POSTROOM_HOSTNAME: 'mx.bench.test',
    POSTROOM_LISTEN: '127.0.0.1',
    POSTROOM_SMTP_PORT: '0',
    POSTROOM_SUBMISSION_PORT: '0',
    POSTROOM_SMTPS_PORT: '0',
    POSTROOM_QUEUE_RUNNER: 'off',
    POSTROOM_MAILAUTH: 'off',
  };
  delete env.DATABASE_URL;
  if (provider === 'mysql') {
    const mariadb = await import('mariadb');
    const admin = new URL(args['mysql-url']!);
    const conn = await mariadb.createConnection({
      host: admin.hostname,
      port: Number(admin.port || 3306),
      user: admin.username || 'root',
      password: decodeURIComponent(admin.password),
    });
    await conn.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.end();
    env.DATABASE_URL = `${args['mysql-url']!.replace(/\/$/, '')}/${dbName}`;
  }
  let worker: ChildProcess | undefined;
  try {
    cli(env, ['migrate']);
    cli(env, ['domain', 'add', 'bench.test']);
    cli(env, ['user', 'add', 'kim@bench.test', '--password-stdin'], 'Bench-Password-2026!\n');
    worker = spawn(
      process.execPath,
      [
        ...WORKER_NODE_FLAGS,
        ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
        '--import',
        'tsx',
        join(root, 'server', 'smtp', 'run.ts'),
      ],
      { env, stdio: ['ignore', 'pipe', 'inherit'], cwd: root },
    );
    const ready = await new Promise<{ ports: { smtp: number }; pid: number }>((resolve, reject) => {
      createInterface({ input: worker!.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
      worker!.once('exit', (code) => reject(new Error(`worker exited (${code})`)));
    });
    const result = await load('127.0.0.1', ready.ports.smtp, 'kim@bench.test');
    const rss = peakRss(ready.pid);
    const stored = countStored(env);
    return { name: `Postroom (${provider})`, ...result, stored, storedSeconds: result.seconds, rss };
  } finally {
    if (worker && worker.exitCode === null)
      await new Promise((resolve) => (worker!.once('exit', resolve), worker!.kill('SIGTERM')));
    rmSync(dataDir, { recursive: true, force: true });
    if (provider === 'mysql') {
      const mariadb = await import('mariadb');
      const admin = new URL(args['mysql-url']!);
      const conn = await mariadb.createConnection({
        host: admin.hostname,
        port: Number(admin.port || 3306),
        user: admin.username || 'root',
        password: decodeURIComponent(admin.password),
      });
      await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
      await conn.end();
    }
  }
}

function maildirCount(): number {
  try {
    return readdirSync(REFERENCE_MAILDIR).length;
  } catch {
    return 0;
  }
}

async function benchReference() {
  const [host, port] = args.reference!.split(':') as [string, string];
  const before = maildirCount();
  const started = Date.now();
  const result = await load(host, Number(port), 'bench50@example.test');
  while (maildirCount() - before < result.accepted && Date.now() - started < 300_000)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const stored = maildirCount() - before;
  return {
    name: 'Postfix -> Dovecot',
    ...result,
    stored,
    storedSeconds: (Date.now() - started) / 1000,
    rss: NaN,
  };
}

function report(row: Awaited<ReturnType<typeof benchReference>>): string {
  const accepted = (row.accepted / row.seconds).toFixed(0);
  const stored = (row.stored / row.storedSeconds).toFixed(0);
  return `${row.name.padEnd(22)} accepted ${String(row.accepted).padStart(5)} (${accepted}/s)  stored ${String(row.stored).padStart(5)} (${stored}/s)  DATA p50 ${percentile(row.latencies, 50).toFixed(1)} ms  p99 ${percentile(row.latencies, 99).toFixed(1)} ms  failed ${row.failed}${Number.isNaN(row.rss) ? '' : `  peak RSS ${row.rss.toFixed(0)} MiB`}`;
}

console.log(`SMTP bench: ${MESSAGES} messages of ${SIZE} bytes over ${SESSIONS} sessions`);
const rows = [];
let reference: Awaited<ReturnType<typeof benchReference>> | null = null;
if (!args['no-reference']) {
  reference = await benchReference().catch(
    (error: Error) => (
      console.log(`reference unavailable: ${error.message} (run bench/reference/up.sh)`), null
    ),
  );
  if (reference) console.log(report(reference));
}
for (const provider of args.providers!.split(',') as ('sqlite' | 'mysql')[]) {
  const row = await benchPostroom(provider);
  rows.push(row);
  console.log(report(row));
  if (reference)
    console.log(
      `  ratio to the reference (stored/s): ${(row.stored / row.storedSeconds / (reference.stored / reference.storedSeconds)).toFixed(2)} (target 1.5)`,
    );
}
