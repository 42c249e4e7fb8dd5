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
//          [--blob-stores filesystem] [--rounds 1]
//        --blob-stores filesystem,database: Postroom with each blob store (POSTROOM_BLOB_STORE) on each
//          provider; the stores take turns (the order reversed every other round) and a
//          database/filesystem ratio of commands and of CPU per command is printed per round.
// Build imaptest with bench/reference/imaptest-build.sh.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { REFERENCE_DIR, REFERENCE_PORTS } from './reference/paths';
import {
  type BlobStoreKind,
  blobStoreEnv,
  inTurn,
  loadAverage,
  parseBlobStores,
  storeLabel,
  storeRatios,
} from './support/blob-stores';
import { parseTotals, writeMbox } from './support/imaptest';
import { createBenchDatabase, type Provider, startWorker } from './support/postroom';
import { listenerPid, treeCpuSeconds } from './support/tree-cpu';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    secs: { type: 'string', default: '30' },
    clients: { type: 'string', default: '10' },
    users: { type: 'string', default: '20' },
    providers: { type: 'string', default: 'sqlite,mysql' },
    workers: { type: 'string' },
    'blob-stores': { type: 'string', default: 'filesystem' },
    rounds: { type: 'string', default: '1' },
    'no-reference': { type: 'boolean', default: false },
    /** Internal: measure this one provider and print its result as JSON (see the header). */
    'child-json': { type: 'string' },
    'blob-store': { type: 'string', default: 'filesystem' },
    mbox: { type: 'string' },
  },
});
const IMAPTEST = process.env.IMAPTEST;
if (!IMAPTEST) {
  console.error('Set IMAPTEST to an imaptest binary (bench/reference/imaptest-build.sh builds one).');
  process.exit(2);
}
const USERS = Number(args.users);
const STORES = parseBlobStores(args['blob-stores']!);
const ROUNDS = Number(args.rounds);
const PASSWORD = 'Stress-Password-2026!';

interface StressResult {
  name: string;
  counts: Map<string, number>;
  total: number;
  errors: number;
  errorSamples: string[];
  /** CPU seconds (user + system) of the server's process tree during the run. */
  cpuSeconds: number;
  /** The MariaDB server's CPU seconds in the run, for Postroom on MariaDB (shared with other users: indicative). */
  dbCpuSeconds?: number;
  /** The 1-minute load average at the end of the run. */
  load: number;
  /** Postroom's blob store, and the rows in blob_chunks after the run (which store took the appends). */
  store?: BlobStoreKind;
  chunkRows?: number;
}

async function stress(
  name: string,
  port: number,
  user: string,
  password: string,
  mbox: string,
  serverPid: number,
  databasePids: number[] = [],
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
  const cpuBefore = treeCpuSeconds([serverPid]);
  const dbCpuBefore = treeCpuSeconds(databasePids);
  const { stdout, stderr } = await run(IMAPTEST!, imaptestArgs, {
    env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/dovecot' },
    timeout: (Number(args.secs) + 120) * 1000,
    maxBuffer: 64 << 20,
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: `${error.stderr ?? ''}\n${String(error)}`,
  }));
  const cpuSeconds = treeCpuSeconds([serverPid]) - cpuBefore;
  const dbCpuSeconds = databasePids.length ? treeCpuSeconds(databasePids) - dbCpuBefore : undefined;
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
    dbCpuSeconds,
    load: loadavg()[0]!,
  };
  return result;
}

async function stressPostroom(provider: Provider, store: BlobStoreKind, mbox: string): Promise<StressResult> {
  const locals = Array.from({ length: USERS }, (_, i) => `stress${i + 1}`);
  const database = await createBenchDatabase(provider, 'stress.test', locals, PASSWORD);
  const extra: Record<string, string | undefined> = {
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_QUEUE_RUNNER: 'off',
    ...blobStoreEnv(store),
  };
  if (args.workers) extra.POSTROOM_WORKERS = args.workers;
  const worker = await startWorker(database, extra);
  try {
    const label = `Postroom (${[
      provider,
      storeLabel(STORES, store),
      args.workers ? `${args.workers} workers` : '',
    ]
      .filter(Boolean)
      .join(', ')})`;
    const url = database.env.DATABASE_URL;
    const mariadb = url ? listenerPid(Number(new URL(url).port || 3306)) : [];
    const result = await stress(
      label,
      worker.ports.imap,
      'stress%d@stress.test',
      PASSWORD,
      mbox,
      worker.pid,
      mariadb,
    );
    const { db } = await import('../server/core/db');
    return { ...result, store, chunkRows: await db().blobChunk.count() };
  } finally {
    await worker.stop();
    await database.cleanup();
  }
}

/** One measurement: its round, and for Postroom its provider (the reference has none). */
interface Run {
  round: number;
  provider?: Provider;
  result: StressResult;
}

function printTable(runs: Run[]): void {
  const names = [...new Set(runs.flatMap((run) => [...run.result.counts.keys()]))];
  const header = [
    'round',
    'server',
    ...names,
    'total',
    'errors',
    'ratio',
    'cpu s',
    'ms/cmd',
    '+db ms/cmd',
    'load',
  ];
  const referenceOf = (round: number) => runs.find((run) => run.round === round && !run.provider)?.result;
  const rows = runs.map(({ round, result }) => {
    const reference = referenceOf(round);
    return [
      String(round),
      result.name,
      ...names.map((name) => String(result.counts.get(name) ?? 0)),
      String(result.total),
      String(result.errors),
      reference && reference.total > 0 ? (result.total / reference.total).toFixed(2) : '-',
      result.cpuSeconds.toFixed(1),
      msPerCommand(result).toFixed(2),
      result.dbCpuSeconds === undefined ? '-' : dbMsPerCommand(result).toFixed(2),
      result.load.toFixed(1),
    ];
  });
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  console.log(format(header));
  for (const row of rows) console.log(format(row));
  for (const { result } of runs)
    for (const sample of result.errorSamples) console.log(`${result.name}: ${sample.trim().slice(0, 200)}`);
}

function msPerCommand(result: StressResult): number {
  return result.total > 0 ? (1000 * result.cpuSeconds) / result.total : Number.NaN;
}

/** The MariaDB server's CPU per command (none when Postroom ran on SQLite). */
function dbMsPerCommand(result: StressResult): number {
  return result.total > 0 ? (1000 * (result.dbCpuSeconds ?? Number.NaN)) / result.total : Number.NaN;
}

/** Per provider, database/filesystem of the commands done and of the CPU per command, round by round. */
function printStoreRatios(runs: Run[], providers: Provider[]): void {
  for (const provider of providers) {
    const of = (store: BlobStoreKind) =>
      runs.filter((run) => run.provider === provider && run.result.store === store).map((run) => run.result);
    const [database, filesystem] = [of('database'), of('filesystem')];
    if (database.length === 0 || filesystem.length === 0) continue;
    const both = (figure: (result: StressResult) => number) =>
      storeRatios(database.map(figure), filesystem.map(figure));
    console.log(
      `database/filesystem, ${provider}: commands ${both((result) => result.total)}; CPU ms/cmd ${both(msPerCommand)}${
        provider === 'mysql'
          ? `; worker + mariadbd CPU ms/cmd ${both((result) => msPerCommand(result) + dbMsPerCommand(result))}`
          : ''
      }`,
    );
  }
  for (const run of runs)
    if (run.provider && STORES.length > 1 && run.round === 1)
      console.log(`${run.result.name}: ${run.result.chunkRows} rows in blob_chunks after its run`);
}

/** One provider and store measured in a child process of this script (see the header). */
async function stressInChild(provider: Provider, store: BlobStoreKind, mbox: string): Promise<StressResult> {
  const childArgs = ['--import', 'tsx', import.meta.filename, '--child-json', provider, '--mbox', mbox];
  childArgs.push('--blob-store', store, '--blob-stores', STORES.join(','));
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
  const store = parseBlobStores(args['blob-store']!)[0]!;
  const result = await stressPostroom(args['child-json'] as Provider, store, args.mbox!);
  console.log(JSON.stringify({ ...result, counts: [...result.counts] }));
  process.exit(0);
}

const mbox = writeMbox(mkdtempSync(join(tmpdir(), 'postroom-stress-')));
console.log(
  `imaptest stress: ${args.clients} clients, ${args.secs} s, ${USERS} users, appends from a 200-message mbox, ` +
    `${ROUNDS} round(s), blob stores ${STORES.join(', ')} (load average ${loadAverage()})`,
);
const providers = args.providers!.split(',').filter(Boolean) as Provider[];
const runs: Run[] = [];
let referenceMissing = args['no-reference'];
for (let round = 1; round <= ROUNDS; round++) {
  if (!referenceMissing) {
    try {
      const result = await stress(
        'Dovecot (reference)',
        REFERENCE_PORTS.imap,
        'bench%d@example.test',
        'pass',
        mbox,
        Number(readFileSync(join(REFERENCE_DIR, 'dovecot', 'run', 'master.pid'), 'utf8')),
      );
      runs.push({ round, result });
      console.log(
        `  round ${round}, ${result.name}: ${result.total} commands (load ${result.load.toFixed(2)})`,
      );
    } catch (error) {
      console.log(
        `reference not measured (${String(error).split('\n')[0]}); run bench/reference/up.sh first`,
      );
      referenceMissing = true;
    }
  }
  for (const provider of providers)
    for (const store of inTurn(STORES, round)) {
      const result = await stressInChild(provider, store, mbox);
      runs.push({ round, provider, result });
      console.log(
        `  round ${round}, ${result.name}: ${result.total} commands (load ${result.load.toFixed(2)})`,
      );
    }
}
printTable(runs);
printStoreRatios(runs, providers);
console.log(`load average at the end: ${loadAverage()}`);
process.exit(0);
