// How much memory large messages cost the worker: 8 concurrent 40 MiB messages over SMTP, then
// 8 concurrent 40 MiB APPENDs over IMAP, against the real worker (bench/support/postroom.ts) on
// SQLite and on MariaDB. The worker's RSS (/proc/<pid>/status VmRSS) is sampled every 20 ms; the
// table shows it before, at its peak, the rise, and VmHWM. Goal: a rise under 250 MiB.
//
//   npx tsx bench/memory.ts [--sqlite-only | --mysql-only] [--messages 8] [--mib 40]
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { createBenchDatabase, startWorker, type Provider } from './support/postroom';

const MiB = 1024 * 1024;
const DOMAIN = 'memory.bench.test';
const PASSWORD = 'Bench-password-42';
const GOAL_BYTES = 250 * MiB;
const run = promisify(execFile);

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const MESSAGES = option('--messages', 8);
const SIZE = option('--mib', 40) * MiB;

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

function message(to: string, seed: string): Buffer {
  const header = `From: bench@elsewhere.example\r\nTo: ${to}\r\nSubject: memory ${seed}\r\n\r\n`;
  const line = `${seed.padEnd(76, 'x').slice(0, 76)}\r\n`;
  return Buffer.from(header + line.repeat(Math.ceil(SIZE / line.length)));
}

const PYTHON_APPEND = `
import imaplib, sys
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
M.login(sys.argv[2], sys.argv[3])
typ, resp = M.append('INBOX', None, None, open(sys.argv[4], 'rb').read())
if typ != 'OK': sys.exit(resp[0].decode())
M.logout()
`;

interface Row {
  provider: Provider;
  phase: string;
  before: number;
  peak: number;
  hwm: number;
  seconds: number;
}

async function measure(pid: number, work: () => Promise<unknown>): Promise<Omit<Row, 'provider' | 'phase'>> {
  const before = status(pid, 'VmRSS');
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, status(pid, 'VmRSS'));
  }, 20);
  const started = Date.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, status(pid, 'VmRSS'));
  return { before, peak, hwm: status(pid, 'VmHWM'), seconds: (Date.now() - started) / 1000 };
}

async function benchProvider(provider: Provider): Promise<Row[]> {
  const locals = Array.from({ length: MESSAGES }, (_, n) => `user${n}`);
  const database = await createBenchDatabase(provider, DOMAIN, locals, PASSWORD);
  const worker = await startWorker(database, {
    POSTROOM_WORKERS: '1',
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_WORKER_METRICS_PORT: '0',
  });
  const rows: Row[] = [];
  try {
    const address = (n: number) => `user${n}@${DOMAIN}`;
    // Warm-up: the first message loads the lazy parts of the worker.
    const warm = nodemailer.createTransport({ host: '127.0.0.1', port: worker.ports.smtp, ignoreTLS: true });
    await warm.sendMail({
      envelope: { from: 'w@elsewhere.example', to: address(0) },
      raw: message(address(0), 'warm').subarray(0, 4096),
    });
    warm.close();
    const smtp = await measure(worker.pid, () =>
      Promise.all(
        locals.map(async (_, n) => {
          const transport = nodemailer.createTransport({
            host: '127.0.0.1',
            port: worker.ports.smtp,
            ignoreTLS: true,
            socketTimeout: 600_000,
          });
          await transport.sendMail({
            envelope: { from: 'bench@elsewhere.example', to: address(n) },
            raw: message(address(n), `smtp-${n}`),
          });
          transport.close();
        }),
      ),
    );
    rows.push({ provider, phase: `SMTP ${MESSAGES} × ${SIZE / MiB} MiB`, ...smtp });
    const files = locals.map((_, n) => {
      const path = join(database.env.POSTROOM_DATA_DIR!, `append-${n}.eml`);
      writeFileSync(path, message(address(n), `append-${n}`));
      return path;
    });
    const imap = await measure(worker.pid, () =>
      Promise.all(
        files.map((path, n) =>
          run('python3', ['-c', PYTHON_APPEND, String(worker.ports.imap), address(n), PASSWORD, path], {
            timeout: 600_000,
          }),
        ),
      ),
    );
    rows.push({ provider, phase: `APPEND ${MESSAGES} × ${SIZE / MiB} MiB`, ...imap });
  } finally {
    await worker.stop();
    await database.cleanup();
  }
  return rows;
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
const providers: Provider[] = process.argv.includes('--sqlite-only')
  ? ['sqlite']
  : process.argv.includes('--mysql-only')
    ? ['mysql']
    : ['sqlite', 'mysql'];
const rows: Row[] = [];
// One database per run: test/helpers/db.ts reads the provider when it loads, so each runs alone.
for (const provider of providers) {
  if (providers.length > 1 && provider !== providers[0]) {
    const { status: code } = await import('node:child_process').then(({ spawnSync }) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          import.meta.filename,
          `--${provider}-only`,
          '--messages',
          String(MESSAGES),
          '--mib',
          String(SIZE / MiB),
        ],
        { stdio: 'inherit' },
      ),
    );
    if (code !== 0) process.exitCode = code ?? 1;
    continue;
  }
  rows.push(...(await benchProvider(provider)));
}
if (rows.length > 0) {
  console.log(
    'database  phase                 RSS before  RSS peak  rise      VmHWM     seconds  goal (< 250 MiB)',
  );
  for (const row of rows) {
    const rise = row.peak - row.before;
    console.log(
      `${row.provider.padEnd(9)} ${row.phase.padEnd(21)} ${mib(row.before).padStart(10)} ${mib(row.peak).padStart(9)} ${mib(rise).padStart(9)} ${mib(row.hwm).padStart(9)} ${row.seconds.toFixed(1).padStart(8)}  ${rise < GOAL_BYTES ? 'met' : 'MISSED'}`,
    );
    if (rise >= GOAL_BYTES) process.exitCode = 1;
  }
}
process.exit(process.exitCode ?? 0);
