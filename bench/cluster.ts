// Cluster figures for docs/deployment.md (issue #17): the launcher of test/cluster/cluster.ts on one
// machine (three Galera nodes, Postroom worker nodes with POSTROOM_ROLES=worker and
// POSTROOM_BLOB_STORE=database, HAProxy with PROXY v2 and /ready checks), measured through HAProxy
// with ONE worker node in its backends and then with TWO (a second HAProxy over both nodes):
// - SMTP stored msg/s, one message per connection: Postfix's smtp-source (as bench/smtp.ts runs it)
//   to one local mailbox, the stored count read from the `messages` table on a Galera node;
// - IMAP: Dovecot's imaptest random stress (as bench/imap-stress.ts runs it), commands and errors.
// Every node runs on this same machine, so a second worker node adds no CPU: the figures show what
// the cluster's path costs, not how it scales. Each figure is printed with the load average.
//
// usage: node --import tsx bench/cluster.ts [--messages 600] [--sessions 20] [--size 10240]
//          [--secs 20] [--clients 10] [--users 20] [--rounds 1] [--keep]
//        IMAPTEST=/path/to/imaptest (default /tmp/imaptest-src/src/imaptest)
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { parseTotals, writeMbox } from './support/imaptest';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  ClusterRun,
  clusterPrerequisites,
  type GaleraNode,
  type Haproxy,
  startClusterDatabase,
  startHaproxy,
  startWorkerPair,
  waitFor,
} from '../test/cluster/cluster';

const execFileAsync = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '600' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '10240' },
    secs: { type: 'string', default: '20' },
    clients: { type: 'string', default: '10' },
    users: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(args.messages);
const ROUNDS = Number(args.rounds);
const USERS = Number(args.users);
const IMAPTEST = process.env.IMAPTEST ?? '/tmp/imaptest-src/src/imaptest';
const DOMAIN = 'cluster.test';
const PASSWORD = 'Stress-Password-2026!';
const SINK = `sink@${DOMAIN}`;

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

interface Row {
  what: string;
  nodes: number;
  figure: string;
  errors: string;
  loadBefore: string;
  loadAfter: string;
  /** Sessions HAProxy sent to each worker node during the measure (its stats' stot). */
  spread: string;
}

/** Sessions so far per server of one HAProxy backend (stats CSV: pxname, svname, ..., stot at 7). */
async function sessions(proxy: Haproxy, backend: string): Promise<Map<string, number>> {
  const csv = await (await fetch(`http://127.0.0.1:${proxy.ports.stats}/stats;csv`)).text();
  const result = new Map<string, number>();
  for (const row of csv.split('\n').slice(1)) {
    const fields = row.split(',');
    if (fields[0] === backend && fields[1] !== 'FRONTEND' && fields[1] !== 'BACKEND' && fields.length > 7)
      result.set(fields[1]!, Number(fields[7]));
  }
  return result;
}

function spreadSince(before: Map<string, number>, after: Map<string, number>): string {
  return [...after].map(([name, n]) => `${name} ${n - (before.get(name) ?? 0)}`).join(', ');
}

async function storedCount(node: GaleraNode): Promise<number> {
  const rows = await node.query<{ n: bigint | number }[]>('SELECT COUNT(*) AS n FROM postroom.messages');
  return Number(rows[0]?.n ?? 0);
}

function smtpSource(port: number): Promise<{ ok: boolean; output: string }> {
  const argv = [
    '-m',
    String(MESSAGES),
    '-s',
    args.sessions!,
    '-l',
    args.size!,
    '-f',
    'bench@elsewhere.example',
    '-t',
    SINK,
    '-M',
    'bench.elsewhere.example',
    `127.0.0.1:${port}`,
  ];
  return new Promise((resolve) => {
    const child = spawn('/usr/sbin/smtp-source', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ ok: code === 0, output: output.trim() }));
  });
}

async function measureSmtp(proxy: Haproxy, galera: GaleraNode, nodes: number): Promise<Row> {
  const loadBefore = load();
  const sessionsBefore = await sessions(proxy, 'smtp');
  const before = await storedCount(galera);
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const run = await smtpSource(proxy.ports.smtp);
  if (!run.ok) console.log(`  smtp-source failed: ${run.output.slice(0, 300)}`);
  // Postroom stores before its 250; Galera applies a write on another node a moment later.
  let stored = 0;
  await waitFor(
    'the stored count',
    async () => {
      stored = (await storedCount(galera)) - before;
      return stored >= MESSAGES;
    },
    30_000,
    100,
  ).catch(() => {});
  const elapsed = seconds();
  return {
    what: `SMTP stored msg/s (${MESSAGES} x ${Number(args.size) / 1024} KB, ${args.sessions} sessions, 1 msg/conn)`,
    nodes,
    figure: `${(stored / elapsed).toFixed(1)} (${stored} in ${elapsed.toFixed(1)} s)`,
    errors: run.ok ? '0' : 'smtp-source stopped',
    loadBefore,
    loadAfter: load(),
    spread: spreadSince(sessionsBefore, await sessions(proxy, 'smtp')),
  };
}

async function measureImap(proxy: Haproxy, mbox: string, nodes: number): Promise<Row> {
  const loadBefore = load();
  const sessionsBefore = await sessions(proxy, 'imap');
  const { stdout, stderr } = await execFileAsync(
    IMAPTEST,
    [
      'host=127.0.0.1',
      `port=${proxy.ports.imap}`,
      `user=stress%d@${DOMAIN}`,
      `pass=${PASSWORD}`,
      `users=${USERS}`,
      `clients=${args.clients}`,
      `secs=${args.secs}`,
      `mbox=${mbox}`,
    ],
    {
      env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/dovecot' },
      timeout: (Number(args.secs) + 120) * 1000,
      maxBuffer: 64 << 20,
    },
  ).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: `${error.stderr ?? ''}\n${String(error)}`,
  }));
  const output = `${stdout}\n${stderr}`;
  const counts = parseTotals(output);
  const errorLines = output.split('\n').filter((line) => /Error:|SERVERBUG|\bBAD\b/.test(line));
  for (const sample of errorLines.slice(0, 3)) console.log(`  imaptest: ${sample.trim().slice(0, 200)}`);
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const detail = [...counts].map(([name, n]) => `${name} ${n}`).join(', ');
  return {
    what: `IMAP imaptest stress commands (${args.clients} clients, ${USERS} users, ${args.secs} s)`,
    nodes,
    figure: `${total} (${detail})`,
    errors: String(errorLines.length),
    loadBefore,
    loadAfter: load(),
    spread: spreadSince(sessionsBefore, await sessions(proxy, 'imap')),
  };
}

const missing = clusterPrerequisites();
if (missing) {
  console.error(`cluster prerequisites: ${missing}`);
  process.exit(2);
}
const run = new ClusterRun();
const rows: Row[] = [];
try {
  console.log(`starting three Galera nodes (load average ${load()})`);
  const { galera, url } = await startClusterDatabase(run);
  const { migrate } = await import('../server/core/migrate');
  await migrate(url, run.dir);
  const { addDomain, addMailbox } = await import('../server/domain');
  await addDomain(DOMAIN);
  await addMailbox({ address: SINK, password: PASSWORD });
  for (let i = 1; i <= USERS; i++) await addMailbox({ address: `stress${i}@${DOMAIN}`, password: PASSWORD });
  const { closeDb } = await import('../server/core/db');
  await closeDb().catch(() => {});

  const workerEnv = (name: string) => ({
    POSTROOM_HOSTNAME: `${name}.${DOMAIN}`,
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_QUEUE_RUNNER: 'off',
    POSTROOM_LOG: 'warn',
  });
  console.log(`starting two worker nodes (load average ${load()})`);
  const [workerA, workerB] = await startWorkerPair(run, galera, workerEnv);
  const one = await startHaproxy(run, [workerA!]);
  const two = await startHaproxy(run, [workerA!, workerB!]);
  const mbox = writeMbox(mkdtempSync(join(tmpdir(), 'postroom-cluster-stress-')));

  // Rounds alternate the order (1 then 2 nodes, then 2 then 1), so a warmer second measure or a
  // change in the machine's load does not always favour the same side.
  for (let round = 0; round < ROUNDS; round++) {
    const order: [Haproxy, number][] =
      round % 2 === 0
        ? [
            [one, 1],
            [two, 2],
          ]
        : [
            [two, 2],
            [one, 1],
          ];
    for (const [proxy, nodes] of order) {
      rows.push(await measureSmtp(proxy, galera[2]!, nodes));
      console.log(rows.at(-1));
    }
    for (const [proxy, nodes] of order) {
      rows.push(await measureImap(proxy, mbox, nodes));
      console.log(rows.at(-1));
    }
  }
} catch (error) {
  console.log(run.dumpLogs());
  console.error(error);
  process.exitCode = 1;
} finally {
  await run.stopAll(args.keep);
}

console.log(
  '\nAll nodes (3 Galera, 2 worker nodes, HAProxy) on this one machine, which other jobs load too.',
);
console.log(
  '| measure | worker nodes behind HAProxy | figure | errors | sessions per node | load average before / after |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows)
  console.log(
    `| ${row.what} | ${row.nodes} | ${row.figure} | ${row.errors} | ${row.spread} | ${row.loadBefore} / ${row.loadAfter} |`,
  );
process.exit(process.exitCode ?? 0);
