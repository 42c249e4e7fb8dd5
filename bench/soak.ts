// Soak run: N minutes (default 30) of moderate mixed SMTP, IMAP and POP3 traffic against a real
// Postroom mail worker on a fresh database, with misbehaving clients mixed in (silent, trickling,
// DATA then gone, junk, APPEND then gone mid-literal, password guessing, a bounded connection
// flood). Every minute it samples the worker's RSS, PSS, open descriptors, database size, blob
// files, queue depth and the good traffic, prints a row, and at the end writes an SVG chart and
// the growth of each metric between the first and last third of the run: flat lines, no leak.
// Everything runs on 127.0.0.1; it stops by itself and stops the worker it started.
//
// usage: node --import tsx bench/soak.ts [--minutes 30] [--provider sqlite|mysql]
//          [--out bench-data/soak.svg] [--rate 10] [--sample-seconds 60] [--flood 100]
//          [--idle 10] [--imap-workers 2] [--pop3-workers 2] [--accounts 4] [--reply-timeout 30]
//          [--maintenance-seconds 300]
// The worker's housekeeping (blob collection, pruning) runs every --maintenance-seconds instead
// of hourly, so a half-hour run shows whether expunged messages' files go away.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Counters, lastFailure, sleep, type SoakContext, type SoakOptions } from './soak/context';
import { idleClients, imapSessions, pop3Sessions, smtpDeliveries } from './soak/good-traffic';
import { misbehavingClients } from './soak/bad-traffic';
import { openClients } from './soak/line-client';
import { Sampler, type Sample } from './soak/metrics';
import { formatVerdict, growthBetweenThirds, tableHeader, tableRow } from './soak/report';
import { soakChartSvg } from './soak/chart';
import {
  createSoakDatabase,
  startWorker,
  type Provider,
  type RunningWorker,
  type WorkerProblems,
} from './soak/worker';

/** How long the load may take to wind down after the deadline before its sockets are cut. */
const WIND_DOWN_MS = 45_000;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    provider: { type: 'string', default: 'sqlite' },
    out: { type: 'string', default: 'bench-data/soak.svg' },
    rate: { type: 'string', default: '10' },
    'sample-seconds': { type: 'string', default: '60' },
    flood: { type: 'string', default: '100' },
    idle: { type: 'string', default: '10' },
    'imap-workers': { type: 'string', default: '2' },
    'pop3-workers': { type: 'string', default: '2' },
    accounts: { type: 'string', default: '4' },
    'reply-timeout': { type: 'string', default: '30' },
    'maintenance-seconds': { type: 'string', default: '300' },
  },
});

function positive(name: keyof typeof args, max: number): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new Error(`--${name} must be a number above 0 and at most ${max}, got "${args[name]}"`);
  return value;
}

const provider = args.provider as Provider;
if (provider !== 'sqlite' && provider !== 'mysql') throw new Error('--provider must be sqlite or mysql');
const minutes = positive('minutes', 7 * 24 * 60);
const sampleMs = positive('sample-seconds', 3600) * 1000;
const outPath = resolve(args.out!);
const logPath = outPath.replace(/(\.svg)?$/, '-worker.log');
const options: SoakOptions = {
  deliveryRate: positive('rate', 200),
  imapSessionWorkers: Math.round(positive('imap-workers', 50)),
  idleClients: Math.round(positive('idle', 1000)),
  pop3SessionWorkers: Math.round(positive('pop3-workers', 50)),
  floodSize: Math.round(positive('flood', 1000)),
  replyTimeoutMs: positive('reply-timeout', 600) * 1000,
};

/** Samples on schedule until the deadline or until the worker exits, printing a row each time. */
async function sampleUntilDone(
  context: SoakContext,
  worker: RunningWorker,
  sampler: Sampler,
  started: number,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  let workerGone = false;
  void worker.exited.then(() => (workerGone = true));
  const count = Math.ceil((context.deadline - started) / sampleMs);
  for (let n = 1; n <= count && !workerGone; n++) {
    const due = Math.min(started + n * sampleMs, context.deadline);
    await Promise.race([sleep(due - Date.now()), worker.exited]);
    if (workerGone) break;
    const sample = await sampler.sample((Date.now() - started) / 60_000).catch((error: unknown) => {
      console.log(`sample failed: ${String(error)}`);
      return undefined;
    });
    if (!sample) continue;
    samples.push(sample);
    console.log(tableRow(sample));
  }
  if (workerGone) {
    context.deadline = Date.now();
    console.log(`THE WORKER EXITED DURING THE RUN (code ${await worker.exited}); see ${logPath}`);
  }
  return samples;
}

/** Waits for the load loops to notice the deadline; cuts whatever is still open after a grace. */
async function windDown(load: Promise<unknown>): Promise<void> {
  const finished = await Promise.race([load.then(() => true), sleep(WIND_DOWN_MS).then(() => false)]);
  if (!finished) {
    console.log(
      `load still running ${WIND_DOWN_MS / 1000} s after the deadline: closing ${openClients.size} sockets`,
    );
    for (const client of openClients) client.destroy();
    await Promise.race([load, sleep(WIND_DOWN_MS)]);
  }
}

/** Messages stored for the accounts only the dropping clients use: must be zero. */
async function droppedButStored(context: SoakContext): Promise<string> {
  const { db } = await import('../server/core/db');
  const { dataDropTarget, appendDropper } = context.accounts;
  const stored = async (address: string) =>
    db().message.count({ where: { folder: { user: { local: address.split('@')[0] } } } });
  return `messages kept from dropped DATA: ${await stored(dataDropTarget.address)}, from dropped APPEND: ${await stored(appendDropper.address)} (both should be 0)`;
}

function formatCounters(counters: Counters): string {
  const entries = [...counters.snapshot()].sort(([a], [b]) => a.localeCompare(b));
  const lines = entries.map(([name, value]) => `  ${name.padEnd(28)} ${value}`);
  const failures = [...lastFailure].map(([name, message]) => `  last ${name}: ${message}`);
  return ['totals:', ...lines, ...failures].join('\n');
}

function formatWorkerProblems(problems: WorkerProblems): string {
  const groups = [...problems.byMessage].sort(([, a], [, b]) => b - a);
  return [
    `worker log: ${problems.warnings} warnings, ${problems.errors} errors (${logPath})`,
    ...groups.map(([message, count]) => `  ${String(count).padStart(6)}  ${message}`),
  ].join('\n');
}

async function main(): Promise<void> {
  console.log(
    `soak: ${minutes} min on ${provider}, ${options.deliveryRate} deliveries/s, sample every ${sampleMs / 1000} s`,
  );
  const database = await createSoakDatabase(provider, Math.round(positive('accounts', 100)));
  let worker: RunningWorker | undefined;
  try {
    worker = await startWorker(logPath, positive('maintenance-seconds', 86_400));
    const started = Date.now();
    const counters = new Counters();
    const context: SoakContext = {
      ports: worker.ports,
      accounts: database.accounts,
      counters,
      options,
      deadline: started + minutes * 60_000,
    };
    const stopEarly = () => {
      console.log('interrupted: winding down');
      context.deadline = Date.now();
    };
    process.once('SIGINT', stopEarly);
    process.once('SIGTERM', stopEarly);
    const load = Promise.all([
      smtpDeliveries(context),
      imapSessions(context),
      idleClients(context),
      pop3Sessions(context),
      misbehavingClients(context),
    ]);
    const running = worker;
    const sampler = new Sampler(
      worker.pid,
      database,
      counters,
      () => running.problems.warnings + running.problems.errors,
    );
    console.log(`worker pid ${worker.pid}, ports ${JSON.stringify(worker.ports)}`);
    console.log(tableHeader());
    const samples = await sampleUntilDone(context, worker, sampler, started);
    await windDown(load);
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, soakChartSvg(samples, `Postroom soak, ${provider}, ${minutes} min`));
    console.log(formatCounters(counters));
    console.log(await droppedButStored(context));
    console.log(formatWorkerProblems(worker.problems));
    console.log(formatVerdict(growthBetweenThirds(samples)));
    console.log(`chart: ${outPath}`);
  } finally {
    for (const client of openClients) client.destroy();
    await worker?.stop();
    await database.cleanup();
  }
}

await main();
process.exit(0);
