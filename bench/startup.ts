// Start-up time and idle footprint of the whole `postroom start` tree: each run starts it on a
// fresh data directory (SQLite) with free ports, polls every port (SMTP, submission, SMTPS, IMAP,
// IMAPS, POP3, POP3S, web) until all answer, waits for it to settle, reads the PSS of every process
// in the tree (npm, sh, supervisor, web, worker) and stops it. Prints each run and the medians.
// The first, unmeasured start builds what is missing (server bundle, Next.js console). With
// --reuse-data every run starts on the warm-up's data directory: a restart rather than a first start
// (which also migrates and makes the self-signed certificate).
//   node --import tsx bench/startup.ts [--runs 5] [--settle 10] [--via npm|node] [--roles web,worker] [--reuse-data]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, processTree, type TreeProcess } from './support/process-tree';

const root = join(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    settle: { type: 'string', default: '10' },
    via: { type: 'string', default: 'npm' },
    roles: { type: 'string', default: 'web,worker' },
    'reuse-data': { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const SETTLE_MS = Number(args.settle) * 1000;
const ROLES = args.roles.split(',');

const MAIL_PORTS = [
  'POSTROOM_SMTP_PORT',
  'POSTROOM_SUBMISSION_PORT',
  'POSTROOM_SMTPS_PORT',
  'POSTROOM_IMAP_PORT',
  'POSTROOM_IMAPS_PORT',
  'POSTROOM_POP3_PORT',
  'POSTROOM_POP3S_PORT',
  'POSTROOM_MANAGESIEVE_PORT',
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A mail port answers when it accepts a connection (TLS ports greet only after a handshake). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function webAnswers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/signin`, { redirect: 'manual' });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}

interface Started {
  child: ChildProcess;
  ports: Record<string, number>;
  dataDir: string;
  startedAt: number;
}

async function start(reuseDataDir?: string): Promise<Started> {
  const ports: Record<string, number> = {};
  for (const name of [...MAIL_PORTS, 'PORT']) ports[name] = await freePort();
  const dataDir = reuseDataDir ?? mkdtempSync(join(tmpdir(), 'postroom-startup-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    POSTROOM_DATA_DIR: dataDir,
    POSTROOM_HOSTNAME: 'mail.startup.bench',
    POSTROOM_LISTEN: '127.0.0.1',
    POSTROOM_ROLES: ROLES.join(','),
    POSTROOM_LOG: 'silent',
  };
  delete env.DATABASE_URL;
  const [command, commandArgs] =
    args.via === 'npm'
      ? ['npm', ['start', '--silent']]
      : [process.execPath, [join(root, 'bin', 'postroom.js'), 'start']];
  const startedAt = performance.now();
  const child = spawn(command, commandArgs as string[], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, ports, dataDir, startedAt };
}

/** Milliseconds from spawning until every port of the chosen roles answers. */
async function untilAnswering(started: Started, timeoutMs: number): Promise<number> {
  const wanted = [
    ...(ROLES.includes('worker') ? MAIL_PORTS.map((name) => () => accepts(started.ports[name]!)) : []),
    ...(ROLES.includes('web') ? [() => webAnswers(started.ports.PORT!)] : []),
  ];
  const pending = new Set(wanted);
  while (pending.size > 0) {
    if (performance.now() - started.startedAt > timeoutMs) throw new Error('not every port answered in time');
    if (started.child.exitCode !== null) throw new Error(`postroom exited (${started.child.exitCode})`);
    await Promise.all(
      [...pending].map(async (probe) => {
        if (await probe()) pending.delete(probe);
      }),
    );
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started.startedAt;
}

async function stop(started: Started, keepData = false): Promise<void> {
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  const supervisor = processTree(started.child.pid!).find((process) => process.role === 'supervisor');
  // npm passes SIGTERM on; signal the supervisor itself too so the stop does not depend on it.
  if (supervisor) process.kill(supervisor.pid, 'SIGTERM');
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  if (!keepData) rmSync(started.dataDir, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const mib = (kib: number) => (kib / 1024).toFixed(1);

function summarize(tree: TreeProcess[]): Map<string, number> {
  const byRole = new Map<string, number>();
  for (const process of tree) byRole.set(process.role, (byRole.get(process.role) ?? 0) + process.pssKiB);
  byRole.set(
    'total',
    tree.reduce((sum, process) => sum + process.pssKiB, 0),
  );
  byRole.set(
    'total without npm/sh',
    tree.filter((p) => p.role !== 'npm' && p.role !== 'sh').reduce((sum, p) => sum + p.pssKiB, 0),
  );
  return byRole;
}

console.log(
  `startup bench: ${RUNS} runs via ${args.via}, roles ${ROLES.join(',')}, settle ${SETTLE_MS / 1000} s`,
);
const warmUp = await start();
console.log('warm-up (builds when stale)...');
await untilAnswering(warmUp, 900_000);
await stop(warmUp, args['reuse-data']);
const sharedDataDir = args['reuse-data'] ? warmUp.dataDir : undefined;
const times: number[] = [];
// Wall time depends on what else the machine runs; the CPU time the tree used to get there does not.
const cpuTimes: number[] = [];
const footprints: Map<string, number>[] = [];
for (let run = 1; run <= RUNS; run += 1) {
  const started = await start(sharedDataDir);
  try {
    const ms = await untilAnswering(started, 60_000);
    times.push(ms);
    const cpu = processTree(started.child.pid!).reduce((sum, p) => sum + cpuSeconds(p.pid), 0);
    cpuTimes.push(cpu);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const tree = processTree(started.child.pid!);
    const footprint = summarize(tree);
    footprints.push(footprint);
    const parts = tree.map((p) => `${p.role} ${mib(p.pssKiB)}`).join(', ');
    console.log(
      `run ${run}: every port answered after ${ms.toFixed(0)} ms (${cpu.toFixed(2)} CPU s); PSS MiB: ${parts}`,
    );
  } finally {
    await stop(started, sharedDataDir !== undefined);
  }
}
if (sharedDataDir) rmSync(sharedDataDir, { recursive: true, force: true });
console.log(`\nmedian start-up (spawn to every port answering): ${median(times).toFixed(0)} ms`);
console.log(`median CPU time of the tree until then: ${median(cpuTimes).toFixed(2)} s`);
const roles = [...new Set(footprints.flatMap((footprint) => [...footprint.keys()]))];
for (const role of roles)
  console.log(
    `median idle PSS ${role.padEnd(22)} ${mib(median(footprints.map((f) => f.get(role) ?? 0))).padStart(7)} MiB`,
  );
