// SMTP delivery benchmark with Postfix's smtp-source as the client, in both shapes real traffic
// has: one message per connection (how most remote MTAs deliver: connect, one message, QUIT) and
// many messages per connection (`smtp-source -d`). N messages of SIZE bytes over S parallel
// sessions to one local mailbox, against Postroom on SQLite and on MariaDB (the real mail worker,
// bench/support/postroom.ts) and the Postfix -> Dovecot (LMTP) reference of bench/reference/up.sh,
// in the same run and taking turns (reference, SQLite, MariaDB per shape and round) so the
// machine's other load hits every side alike. Postroom answers 250 only after fsync + commit, so
// its "accepted" is "stored" (checked by counting rows at the end); the reference's "stored"
// waits for the files in its maildir. Both start empty: a fresh database, an emptied maildir.
//
// usage: npx tsx bench/smtp.ts [--messages 2000] [--sessions 20] [--size 10240] [--rounds 1]
//          [--shapes one,many] [--providers sqlite,mysql] [--blob-stores filesystem] [--no-reference]
//          [--workers N] [--warmup 200]
//        --blob-stores filesystem,database: Postroom with each blob store (POSTROOM_BLOB_STORE) on the
//          same provider, taking turns (the order reversed every other round), with database/filesystem
//          ratios of msg/s and CPU ms/msg per round. Default filesystem only.
//        --workers N: POSTROOM_WORKERS for Postroom's worker (unset: the worker's default, one per core).
//        --warmup N: messages sent to every side, one per connection, before the measured rounds.
//        BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" adds flags to the worker's node.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { REFERENCE_DIR, REFERENCE_PORTS, referenceMaildirNew } from './reference/paths';
import {
  type BlobStoreKind,
  blobStoreEnv,
  inTurn,
  loadAverage,
  parseBlobStores,
  storeLabel,
  storeRatios,
} from './support/blob-stores';
import { countRows, createCliDatabase } from './support/cli-database';
import { type Provider, type RunningWorker, startWorker } from './support/postroom';
import { listenerPid, pidFile, treeCpuSeconds } from './support/tree-cpu';

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
    'blob-stores': { type: 'string', default: 'filesystem' },
    'no-reference': { type: 'boolean', default: false },
    workers: { type: 'string' },
    warmup: { type: 'string', default: '200' },
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
const WARMUP = Number(args.warmup);
const STORES = parseBlobStores(args['blob-stores']!);
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
  /** Postroom's provider and blob store (none for the reference). */
  provider?: Provider;
  store?: BlobStoreKind;
  /** Rows in blob_chunks: shows which store the content went to. */
  chunkRows?(): number;
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
  /** The 1-minute load average at the end of the run. */
  load: number;
}

/** The MariaDB server on the bench's port, when there is one on this machine. */
function mariadbPid(): number[] {
  return listenerPid(Number(new URL(args['mysql-url']!).port || 3306));
}

/** Runs smtp-source; -d keeps one connection per session for all its messages. */
function smtpSource(
  shape: Shape,
  port: number,
  recipient: string,
  messages = MESSAGES,
): Promise<{ ok: boolean; output: string }> {
  const argv = [
    ...(shape === 'many' ? ['-d'] : []),
    '-m',
    String(messages),
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

/** Waits until `target` has stored `count` messages in all, or `ms` have passed. */
async function storedAtLeast(target: Target, count: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (target.stored() < count && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 50));
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
  if (!target.storesBeforeReply) await storedAtLeast(target, before + MESSAGES, 300_000);
  const storeSeconds = target.storesBeforeReply ? acceptSeconds : seconds();
  const cpu = target.cpuSeconds() - cpuBefore;
  const dbCpu = treeCpuSeconds(database) - dbCpuBefore;
  const stored = target.stored() - before;
  // smtp-source stops at the first refusal; it sent at most MESSAGES.
  const load = loadavg()[0]!;
  return { accepted: run.ok ? MESSAGES : stored, stored, acceptSeconds, storeSeconds, cpu, dbCpu, load };
}

function providerName(provider: Provider): string {
  return provider === 'mysql' ? 'MariaDB' : 'SQLite';
}

async function postroomTarget(provider: Provider, store: BlobStoreKind): Promise<Target> {
  const database = await createCliDatabase(provider, args['mysql-url']!);
  let worker: RunningWorker;
  try {
    const extra: Env = { POSTROOM_QUEUE_RUNNER: 'off', ...blobStoreEnv(store) };
    if (args.workers) extra.POSTROOM_WORKERS = args.workers;
    worker = await startWorker(database, extra);
  } catch (error) {
    await database.cleanup();
    throw error;
  }
  return {
    name: `Postroom (${[
      providerName(provider),
      storeLabel(STORES, store),
      args.workers ? `${args.workers} workers` : '',
    ]
      .filter(Boolean)
      .join(', ')})`,
    port: worker.ports.smtp,
    recipient: 'kim@bench.test',
    stored: () => countRows(database.env),
    storesBeforeReply: true,
    cpuSeconds: () => treeCpuSeconds([worker.pid]),
    provider,
    store,
    chunkRows: () => countRows(database.env, 'blobChunk'),
    async stop() {
      await worker.stop();
      await database.cleanup();
    },
  };
}

/**
 * The reference's bench mailbox, emptied before a run as Postroom's database is made fresh: Dovecot
 * slows down as a maildir grows (after a day of runs it held 67,600 messages and took 8-9 ms of CPU
 * per message instead of 4-5), and a reference that carried every earlier run's mail flattered
 * each ratio measured after the first run.
 */
function emptyReferenceMailbox(): void {
  const maildir = dirname(REFERENCE_MAILDIR);
  const names = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const sub of ['new', 'cur', 'tmp'])
    for (const name of names(join(maildir, sub))) rmSync(join(maildir, sub, name), { force: true });
  for (const name of names(maildir))
    if (name.startsWith('dovecot.index') || name === 'dovecot-uidlist')
      rmSync(join(maildir, name), { force: true });
}

function referenceTarget(): Target {
  emptyReferenceMailbox();
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
  `SMTP bench (smtp-source): ${MESSAGES} messages of ${SIZE} bytes over ${SESSIONS} sessions, ${ROUNDS} round(s), blob stores ${STORES.join(', ')}; load average ${loadAverage()}`,
);
const reference = args['no-reference'] ? undefined : referenceTarget();
/** Postroom's targets per provider, one per store: a round takes the stores of each in turn. */
const groups: Target[][] = [];
const targets = () => [...(reference ? [reference] : []), ...groups.flat()];
const results = new Map<Target, Map<Shape, Measurement[]>>();
const measured = (target: Target, shape: Shape) => results.get(target)?.get(shape) ?? [];
try {
  for (const provider of args.providers!.split(',').filter(Boolean) as Provider[]) {
    const group: Target[] = [];
    groups.push(group);
    for (const store of STORES) group.push(await postroomTarget(provider, store));
  }
  // Unmeasured, on every side alike: code loaded and compiled, caches and pools filled (Postfix's
  // smtpd, cleanup and lmtp processes started; they stay for the rounds).
  for (const target of WARMUP > 0 ? targets() : []) {
    const before = target.stored();
    await smtpSource('one', target.port, target.recipient, WARMUP);
    await storedAtLeast(target, before + WARMUP, 60_000);
  }
  for (let round = 1; round <= ROUNDS; round++)
    for (const shape of shapes)
      for (const target of [
        ...(reference ? [reference] : []),
        ...groups.flatMap((group) => inTurn(group, round)),
      ]) {
        const result = await measure(target, shape);
        const byShape = results.get(target) ?? new Map<Shape, Measurement[]>();
        byShape.set(shape, [...measured(target, shape), result]);
        results.set(target, byShape);
        console.log(
          `  round ${round}, ${SHAPE_NAMES[shape]}, ${target.name}: stored ${result.stored} in ${result.storeSeconds.toFixed(1)} s, CPU ${cpuPerMessage(result.cpu, result)} ms/msg${target.provider === 'mysql' ? ` (+ mariadbd ${cpuPerMessage(result.dbCpu, result)})` : ''} (load ${result.load.toFixed(2)})`,
        );
      }
  for (const shape of shapes) {
    console.log(`\n${SHAPE_NAMES[shape]}:`);
    const storedRates = (target: Target) =>
      measured(target, shape).map((row) => rate(row.stored, row.storeSeconds));
    const referenceRates = reference ? storedRates(reference) : [];
    const width = Math.max(...targets().map((target) => target.name.length));
    for (const target of targets()) {
      const rows = measured(target, shape);
      const rates = storedRates(target);
      const accepted = rows.map((row) => rate(row.accepted, row.acceptSeconds));
      const ratios =
        target !== reference ? rates.map((value, i) => value / (referenceRates[i] ?? Number.NaN)) : [];
      console.log(
        `  ${target.name.padEnd(width)}  stored ${rates.map((value) => value.toFixed(0)).join(', ')} msg/s  CPU ${rows.map((row) => cpuPerMessage(row.cpu, row)).join(', ')} ms/msg${target.provider === 'mysql' ? ` (+ mariadbd ${rows.map((row) => cpuPerMessage(row.dbCpu, row)).join(', ')})` : ''}  accepted ${accepted.map((value) => value.toFixed(0)).join(', ')} msg/s  load ${rows.map((row) => row.load.toFixed(1)).join(', ')}${
          ratios.some(Number.isFinite)
            ? `  ratio to the reference ${ratios.map((value) => value.toFixed(2)).join(', ')} (target ${shape === 'one' ? '1.5' : '2'})`
            : ''
        }`,
      );
    }
    for (const group of groups) printStoreRatios(group, shape, measured);
  }
  for (const target of groups.flat())
    if (STORES.length > 1)
      console.log(`${target.name}: ${target.chunkRows?.()} rows in blob_chunks at the end`);
} finally {
  for (const target of targets()) await target.stop();
}
console.log(`load average at the end: ${loadAverage()}`);

/** database/filesystem for one provider: stored msg/s and CPU per message, round by round. */
function printStoreRatios(
  group: Target[],
  shape: Shape,
  rowsOf: (target: Target, shape: Shape) => Measurement[],
) {
  const database = group.find((target) => target.store === 'database');
  const filesystem = group.find((target) => target.store === 'filesystem');
  if (!database || !filesystem) return;
  const pick = (target: Target, figure: (row: Measurement) => number) => rowsOf(target, shape).map(figure);
  const perMessage = (seconds: (row: Measurement) => number) => (row: Measurement) =>
    row.stored > 0 ? seconds(row) / row.stored : Number.NaN;
  const both = (figure: (row: Measurement) => number) =>
    storeRatios(pick(database, figure), pick(filesystem, figure));
  const storedRate = (row: Measurement) => rate(row.stored, row.storeSeconds);
  console.log(
    `  database/filesystem, ${providerName(database.provider!)}: stored msg/s ${both(storedRate)}; CPU ms/msg ${both(perMessage((row) => row.cpu))}${
      database.provider === 'mysql'
        ? `; worker + mariadbd CPU ${both(perMessage((row) => row.cpu + row.dbCpu))}`
        : ''
    }`,
  );
}
