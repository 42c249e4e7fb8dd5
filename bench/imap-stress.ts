// IMAP under concurrent load: Dovecot's imaptest in its random stress mode (clients log in,
// select, fetch, store flags, expunge, append and log out at random) against Postroom on SQLite
// and on MariaDB and, in the same run, against the reference Dovecot of bench/reference/up.sh.
// Both sides verify the same argon2id hashes (Postroom's parameters), so logins cost the same.
// Prints each side's command counts and errors, the ratio of Postroom's total to Dovecot's, and each
// side's CPU per command: the user+system time of the server's whole process tree (/proc) spent
// during the run over its command count, which the machine's load distorts far less than counts.
// Each provider runs in a child process of its own: the database client and the configuration are
// process-wide, so a second provider in the same process would reuse the first one's.
//
// usage: IMAPTEST=/path/to/imaptest node --import tsx bench/imap-stress.ts
//          [--secs 30] [--clients 10] [--users 20] [--providers sqlite,mysql] [--no-reference]
//          [--workers N]   (POSTROOM_WORKERS for the worker, where supported)
// Build imaptest with bench/reference/imaptest-build.sh.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { REFERENCE_DIR, REFERENCE_PORTS } from './reference/paths';
import { createBenchDatabase, type Provider, startWorker } from './support/postroom';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    secs: { type: 'string', default: '30' },
    clients: { type: 'string', default: '10' },
    users: { type: 'string', default: '20' },
    providers: { type: 'string', default: 'sqlite,mysql' },
    workers: { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
    /** Internal: measure this one provider and print its result as JSON (see the header). */
    'child-json': { type: 'string' },
    mbox: { type: 'string' },
  },
});
const IMAPTEST = process.env.IMAPTEST;
if (!IMAPTEST) {
  console.error('Set IMAPTEST to an imaptest binary (bench/reference/imaptest-build.sh builds one).');
  process.exit(2);
}
const USERS = Number(args.users);
const PASSWORD = 'Stress-Password-2026!';

interface StressResult {
  name: string;
  counts: Map<string, number>;
  total: number;
  errors: number;
  errorSamples: string[];
  /** CPU seconds (user + system) of the server's process tree during the run. */
  cpuSeconds: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ: /proc/<pid>/stat counts in hundredths of a second on Linux

/** User + system ticks of `root` and all its descendants (exited ones count in their parent's cutime). */
function treeTicks(root: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    // utime, stime, cutime, cstime: fields 14-17 of stat(5), here from the state field (3) on.
    ticks.set(pid, Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    total += ticks.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** A mailbox file for imaptest's APPENDs: 200 plain messages of 1-6 KB. */
function writeMbox(dir: string): string {
  const words = ['alpha', 'budget', 'meeting', 'invoice', 'report', 'lunch', 'review', 'release'];
  const parts: string[] = [];
  for (let i = 0; i < 200; i++) {
    const lines = Array.from({ length: 20 + (i % 80) }, (_, n) => `${words[(i + n) % 8]} line ${n} of ${i}`);
    parts.push(
      `From sender${i}@example.net Mon Nov 23 09:00:00 2026\r\nFrom: Sender ${i} <sender${i}@example.net>\r\n` +
        `To: stress@example.test\r\nSubject: ${words[i % 8]} ${i}\r\nDate: Mon, 23 Nov 2026 09:${String(i % 60).padStart(2, '0')}:00 +0000\r\n` +
        `Message-ID: <stress${i}@example.net>\r\n\r\n${lines.join('\r\n')}\r\n\r\n`,
    );
  }
  const path = join(dir, 'stress.mbox');
  writeFileSync(path, parts.join(''));
  return path;
}

/** imaptest's closing "Totals:" block: a row of command names, then percentages, then counts. */
function parseTotals(output: string): Map<string, number> {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => line.startsWith('Totals:'));
  if (at < 0) throw new Error(`imaptest printed no totals:\n${output.slice(-2000)}`);
  const names = lines[at + 1]!.trim().split(/\s+/);
  const counts = lines
    .slice(at + 2)
    .reverse()
    .find((line) => /^\s*\d+(\s+\d+)*\s*$/.test(line));
  const values = (counts ?? '').trim().split(/\s+/).map(Number);
  return new Map(names.map((name, i) => [name, values[i] ?? 0]));
}

async function stress(
  name: string,
  port: number,
  user: string,
  password: string,
  mbox: string,
  serverPid: number,
) {
  const imaptestArgs = [
    'host=127.0.0.1',
    `port=${port}`,
    `user=${user}`,
    `pass=${password}`,
    `users=${USERS}`,
    `clients=${args.clients}`,
    `secs=${args.secs}`,
    `mbox=${mbox}`,
  ];
  const ticksBefore = treeTicks(serverPid);
  const { stdout, stderr } = await run(IMAPTEST!, imaptestArgs, {
    env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/dovecot' },
    timeout: (Number(args.secs) + 120) * 1000,
    maxBuffer: 64 << 20,
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: `${error.stderr ?? ''}\n${String(error)}`,
  }));
  const cpuSeconds = (treeTicks(serverPid) - ticksBefore) / TICKS_PER_SECOND;
  const output = `${stdout}\n${stderr}`;
  const counts = parseTotals(output);
  const errorLines = output.split('\n').filter((line) => /Error:|SERVERBUG|\bBAD\b/.test(line));
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const result: StressResult = {
    name,
    counts,
    total,
    errors: errorLines.length,
    errorSamples: errorLines.slice(0, 5),
    cpuSeconds,
  };
  return result;
}

async function stressPostroom(provider: Provider, mbox: string): Promise<StressResult> {
  const locals = Array.from({ length: USERS }, (_, i) => `stress${i + 1}`);
  const database = await createBenchDatabase(provider, 'stress.test', locals, PASSWORD);
  const extra: Record<string, string | undefined> = {
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_QUEUE_RUNNER: 'off',
  };
  if (args.workers) extra.POSTROOM_WORKERS = args.workers;
  const worker = await startWorker(database, extra);
  try {
    const label = `Postroom (${provider}${args.workers ? `, ${args.workers} workers` : ''})`;
    return await stress(label, worker.ports.imap, 'stress%d@stress.test', PASSWORD, mbox, worker.pid);
  } finally {
    await worker.stop();
    await database.cleanup();
  }
}

function printTable(results: StressResult[], reference: StressResult | undefined): void {
  const names = [...new Set(results.flatMap((result) => [...result.counts.keys()]))];
  const header = ['server', ...names, 'total', 'errors', 'ratio', 'cpu s', 'ms/cmd'];
  const rows = results.map((result) => [
    result.name,
    ...names.map((name) => String(result.counts.get(name) ?? 0)),
    String(result.total),
    String(result.errors),
    reference && reference.total > 0 ? (result.total / reference.total).toFixed(2) : '-',
    result.cpuSeconds.toFixed(1),
    result.total > 0 ? ((1000 * result.cpuSeconds) / result.total).toFixed(2) : '-',
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  for (const result of results)
    for (const sample of result.errorSamples) console.log(`${result.name}: ${sample.trim().slice(0, 200)}`);
}

/** One provider measured in a child process of this script (see the header). */
async function stressInChild(provider: Provider, mbox: string): Promise<StressResult> {
  const childArgs = ['--import', 'tsx', import.meta.filename, '--child-json', provider, '--mbox', mbox];
  for (const name of ['secs', 'clients', 'users', 'workers'] as const)
    if (args[name] !== undefined) childArgs.push(`--${name}`, args[name]!);
  const { stdout } = await run(process.execPath, childArgs, {
    maxBuffer: 64 << 20,
    timeout: (Number(args.secs) + 300) * 1000,
  });
  const line = stdout.split('\n').findLast((text) => text.startsWith('{"name"'));
  if (!line) throw new Error(`the ${provider} run printed no result:\n${stdout.slice(-2000)}`);
  const parsed = JSON.parse(line) as StressResult & { counts: [string, number][] };
  return { ...parsed, counts: new Map(parsed.counts) };
}

if (args['child-json']) {
  const result = await stressPostroom(args['child-json'] as Provider, args.mbox!);
  console.log(JSON.stringify({ ...result, counts: [...result.counts] }));
  process.exit(0);
}

const mbox = writeMbox(mkdtempSync(join(tmpdir(), 'postroom-stress-')));
console.log(
  `imaptest stress: ${args.clients} clients, ${args.secs} s, ${USERS} users, appends from a 200-message mbox` +
    ` (load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')})`,
);
const results: StressResult[] = [];
let reference: StressResult | undefined;
if (!args['no-reference']) {
  try {
    reference = await stress(
      'Dovecot (reference)',
      REFERENCE_PORTS.imap,
      'bench%d@example.test',
      'pass',
      mbox,
      Number(readFileSync(join(REFERENCE_DIR, 'dovecot', 'run', 'master.pid'), 'utf8')),
    );
    results.push(reference);
  } catch (error) {
    console.log(`reference not measured (${String(error).split('\n')[0]}); run bench/reference/up.sh first`);
  }
}
for (const provider of args.providers!.split(',') as Provider[])
  results.push(await stressInChild(provider, mbox));
printTable(results, reference);
console.log(
  `load average at the end: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
process.exit(0);
