// IMAP benchmark (issue 4): a 10,000-message INBOX; SELECT, UID FETCH 1:* (FLAGS RFC822.SIZE
// ENVELOPE), UID SEARCH HEADER Subject, FETCH BODY.PEEK[] of 100 (timed by the shared
// imap-bench.py, Python imaplib over TLS, best of three; the servers take turns for --repeat rounds
// and keep their best), the median of 500 back-to-back SELECTs (to 0.01 ms), and the PSS growth
// per idle IMAP connection in IDLE; on SQLite and MariaDB, beside Dovecot in the same run.
//   [BENCH_CPU_PROF=dir] [BENCH_HEAP_SNAPSHOT=dir] node --import tsx bench/imap.ts [--messages 10000] [--idle 1000]
//     [--dovecot-idle 200] [--repeat 3] [--only sqlite,mysql,dovecot]
// Quick idle-memory run: --only sqlite,dovecot --messages 500 --repeat 0 --dovecot-idle 1000
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { WORKER_NODE_FLAGS } from '../server/core/node-flags';
import { REFERENCE_SCRIPTS as REF } from './reference/paths';

const run = promisify(execFile);
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const MESSAGES = Number(option('messages', '10000'));
const IDLE = Number(option('idle', '1000'));
const DOVECOT_IDLE = Number(option('dovecot-idle', '200'));
const REPEAT = Number(option('repeat', '3'));
const PASSWORD = 'Bench-password-42';

function pss(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const match = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      total += Number(match?.[1] ?? 0);
    } catch {
      // process gone
    }
  }
  return total;
}

function message(n: number): Buffer {
  const words = ['budget', 'meeting', 'invoice', 'holiday', 'report', 'lunch', 'release', 'review'];
  const body = Array.from(
    { length: 30 },
    (_, i) => `Line ${i} of message ${n}: ${words[(n + i) % words.length]} notes and some more text to read.`,
  ).join('\r\n');
  return Buffer.from(
    `From: Sender ${n % 97} <sender${n % 97}@example.net>\r\nTo: Bench <bench@bench.test>\r\nSubject: ${words[n % words.length]} ${n}\r\nDate: Mon, 23 Nov 2026 09:${String(n % 60).padStart(2, '0')}:00 +0000\r\nMessage-ID: <m${n}@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
}

/** The best figure per operation so far, from the shared imap-bench.py (itself best of three). */
type Timings = Map<string, number>;

async function timeImapOnce(best: Timings, port: number, user: string, password: string): Promise<void> {
  const { stdout } = await run(
    'python3',
    [`${REF}/imap-bench.py`, '127.0.0.1', String(port), user, password],
    { timeout: 600_000 },
  );
  for (const [, key, value] of stdout.matchAll(/(\w+)=([\d.]+)ms/g))
    best.set(key!, Math.min(best.get(key!) ?? Infinity, Number(value)));
  best.set('messages', Number(/messages=(\d+)/.exec(stdout)?.[1] ?? 0));
}

/**
 * SELECT repeated 500 times on one connection, median in ms to 0.01: imap-bench.py rounds to 0.1 ms,
 * where SELECT on both sides often reads the same. Kept as the best median over the rounds.
 */
const SELECT_LOOP = `
import imaplib, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname=False; ctx.verify_mode=ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx); m.login(sys.argv[2], sys.argv[3])
times = []
for i in range(500):
    t = time.perf_counter(); m.select("INBOX"); times.append(time.perf_counter() - t)
times.sort()
print("select_median_of_500=%.2fms" % (times[len(times) // 2] * 1000))
`;

async function timeSelectLoop(best: Timings, port: number, user: string, password: string): Promise<void> {
  const { stdout } = await run('python3', ['-c', SELECT_LOOP, String(port), user, password], {
    timeout: 120_000,
  });
  const value = Number(/=([\d.]+)ms/.exec(stdout)?.[1] ?? Infinity);
  best.set('select_median_of_500', Math.min(best.get('select_median_of_500') ?? Infinity, value));
}

function formatTimings(best: Timings): string {
  return [...best]
    .map(([key, value]) =>
      key === 'messages' ? `messages=${value}` : `${key}=${value.toFixed(key.includes('median') ? 2 : 1)}ms`,
    )
    .join(' ');
}

/** Child: the server under test, in its own process so its PSS is its own. */
async function serve(): Promise<void> {
  const { startImapServers } = await import('../server/imap');
  const servers = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  process.stdout.write(`${JSON.stringify({ ...servers.ports, pid: process.pid })}\n`);
  // "gc" on stdin: collect garbage, so the PSS before and after idle connections compare live memory.
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    // "snapshot PATH": a V8 heap snapshot (BENCH_HEAP_SNAPSHOT), to see what each connection holds.
    if (line.startsWith('snapshot ')) {
      (globalThis as { gc?: () => void }).gc?.();
      process.stdout.write(`${JSON.stringify({ snapshot: writeHeapSnapshot(line.slice(9)) })}\n`);
    }
    if (line === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      const usage = process.memoryUsage();
      process.stdout.write(
        `${JSON.stringify({ rss: usage.rss, heap: usage.heapUsed, external: usage.external })}\n`,
      );
    }
  });
  await once(lines, 'close');
  await servers.close();
  process.exit(0);
}

/**
 * Child: N connections (implicit TLS, or plain IMAP when `tls` is false) that log in with a token
 * (cheap; argon2 per login would take minutes), SELECT and IDLE. A connection the server refuses or
 * closes fails the run with the server's last words: it used to wait for them for ever (the server's
 * per-address and per-user limits cut connection 11, and the bench hung).
 */
async function idleClients(
  port: number,
  count: number,
  user: string,
  token: string,
  tls = true,
): Promise<void> {
  const sockets: Socket[] = [];
  const auth = Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
  for (let i = 0; i < count; i++) {
    const socket: Socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : netConnect({ port, host: '127.0.0.1' });
    let buffer = '';
    const waitFor = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const fail = (why: string) => () => {
          cleanup();
          reject(
            new Error(
              `idle client ${i + 1}/${count}: ${why} waiting for ${re} after ${JSON.stringify(buffer)}`,
            ),
          );
        };
        const onClose = fail('connection closed');
        const onError = fail('socket error');
        const cleanup = () => {
          socket.off('data', onData);
          socket.off('close', onClose);
          socket.off('error', onError);
        };
        const check = () => {
          const refused = /^\w+ (NO|BAD) .*$/m.exec(buffer);
          if (refused) return fail(`refused: ${refused[0]}`)();
          if (re.test(buffer)) {
            cleanup();
            buffer = '';
            resolve();
          }
        };
        const onData = (chunk: Buffer) => {
          buffer += chunk.toString('latin1');
          check();
        };
        socket.on('data', onData);
        socket.once('close', onClose);
        socket.once('error', onError);
        check();
      });
    await waitFor(/^\* OK/m);
    socket.write(`a AUTHENTICATE XOAUTH2 ${auth}\r\n`);
    await waitFor(/^a OK/m);
    socket.write('b SELECT INBOX\r\n');
    await waitFor(/^b OK/m);
    socket.write('c IDLE\r\n');
    await waitFor(/^\+ /m);
    sockets.push(socket);
  }
  process.stdout.write('ready\n');
  process.stdin.resume();
  await once(process.stdin, 'end');
  for (const socket of sockets) socket.destroy();
  process.exit(0);
}

async function startChild(extra: string[], env: NodeJS.ProcessEnv) {
  // BENCH_CPU_PROF=DIR: the server process writes a V8 CPU profile there (node --cpu-prof).
  const profile =
    extra[0] === '--serve' && env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', env.BENCH_CPU_PROF] : [];
  // The server runs with the worker's production V8 flags (server/core/node-flags.ts).
  // BENCH_NODE_FLAGS="--flag ...": more V8 flags for the server, to weigh them.
  const more = env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const flags = extra[0] === '--serve' ? [...profile, ...WORKER_NODE_FLAGS, ...more] : [];
  const child = spawn(
    process.execPath,
    [...flags, '--expose-gc', '--import', 'tsx', 'bench/imap.ts', ...extra],
    { env, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  // A child that dies before its first line (a client the server refused) fails the bench, not hangs it.
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(
      `bench child ${extra.slice(0, 2).join(' ')} exited (${String(code)}) before it was ready`,
    );
  });
  exited.catch(() => undefined);
  const [first] = (await Promise.race([once(lines, 'line'), exited])) as [string];
  return { child, first, lines };
}

async function collect(
  server: Awaited<ReturnType<typeof startChild>>,
): Promise<{ rss: number; heap: number; external: number }> {
  server.child.stdin!.write('gc\n');
  const [line] = (await once(server.lines, 'line')) as [string];
  await new Promise((resolve) => setTimeout(resolve, 300));
  return JSON.parse(line) as { rss: number; heap: number; external: number };
}

async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  child.stdin!.end();
  await once(child, 'exit');
}

/**
 * PSS growth of a fresh server process (the timing runs leave freed heap behind that would make the
 * difference meaningless) per idle connection: logged in, INBOX selected, in IDLE. The server's
 * per-address and per-user connection limits are raised for the bench's single client address.
 * BENCH_HEAP_SNAPSHOT=DIR writes heap snapshots before and after, to compare in Chrome's DevTools.
 */
async function idleFigure(token: string, tls: boolean): Promise<string> {
  const env = {
    ...process.env,
    POSTROOM_IMAP_MAX_CONN_PER_IP: String(IDLE + 100),
    POSTROOM_IMAP_MAX_CONN_PER_USER_IP: String(IDLE + 100),
    // Plain IMAP refuses authentication before STARTTLS unless allowed (LOGINDISABLED).
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: tls ? '' : '1',
  };
  const server = await startChild(['--serve'], env);
  const info = JSON.parse(server.first) as { imap: number; imaps: number; pid: number };
  const port = String(tls ? info.imaps : info.imap);
  const mode = tls ? 'tls' : 'plain';
  const snapshot = async (name: string) => {
    if (!process.env.BENCH_HEAP_SNAPSHOT) return;
    server.child.stdin!.write(`snapshot ${process.env.BENCH_HEAP_SNAPSHOT}/${name}-${mode}.heapsnapshot\n`);
    await once(server.lines, 'line');
  };
  try {
    // Warm up (TLS, first session) so the baseline is not the cost of code loading.
    const warm = await startChild(['--idle-client', port, '5', 'bench@bench.test', token, mode], env);
    const baseUsage = await collect(server);
    const base = pss([info.pid]);
    await snapshot('before');
    const clients = await startChild(
      ['--idle-client', port, String(IDLE), 'bench@bench.test', token, mode],
      env,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const afterUsage = await collect(server);
    const after = pss([info.pid]);
    await snapshot('after');
    const jsPer = (afterUsage.heap + afterUsage.external - baseUsage.heap - baseUsage.external) / 1024 / IDLE;
    await stopChild(warm.child);
    await stopChild(clients.child);
    return `${mode}: ${base} -> ${after} KiB PSS, ${((after - base) / IDLE).toFixed(1)} KiB per connection (JS heap+external ${jsPer.toFixed(1)} KiB)`;
  } finally {
    if (server.child.exitCode === null) await stopChild(server.child);
  }
}

/** One provider: fresh database, MESSAGES messages, a server to time, then idle memory. */
async function benchProvider(provider: 'sqlite' | 'mysql'): Promise<string> {
  process.env.POSTROOM_TEST_DB = provider;
  process.env.POSTROOM_LOG = 'silent';
  const { createTestDatabase } = await import('../test/helpers/db');
  const testDb = await createTestDatabase();
  try {
    const { addDomain, addMailbox } = await import('../server/domain');
    const { appendMessage, findDeliveryFolder } = await import('../server/store');
    const { mintAccessToken } = await import('../server/auth');
    await addDomain('bench.test');
    const user = await addMailbox({ address: 'bench@bench.test', password: PASSWORD });
    const inbox = await findDeliveryFolder(user.id);
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < MESSAGES) {
          const n = next++;
          await appendMessage(message(n), [{ folderId: inbox }], {
            internalDate: new Date(Date.UTC(2026, 10, 1) + n * 60_000),
          });
        }
      }),
    );
    const loadSeconds = (Date.now() - started) / 1000;
    const { child, first } = await startChild(['--serve'], process.env);
    const server = JSON.parse(first) as { imap: number; imaps: number; pid: number };
    try {
      // The parent times this server in rounds with the others, then asks for the idle figure.
      process.stdout.write(`${JSON.stringify({ imaps: server.imaps })}\n`);
      const commands = createInterface({ input: process.stdin });
      await once(commands, 'line');
      const token = await mintAccessToken(user.id, 3600);
      await stopChild(child);
      // Implicit TLS (993, what phones use) and plain IMAP (143), each in a fresh server process.
      const tls = await idleFigure(token, true);
      const plain = await idleFigure(token, false);
      return `idle: ${IDLE} connections, ${tls}; plain IMAP ${plain}  (loaded ${MESSAGES} in ${loadSeconds.toFixed(0)} s)`;
    } finally {
      if (child.exitCode === null) await stopChild(child);
    }
  } finally {
    await testDb.cleanup();
  }
}

const DOVECOT_USER = 'bench77@example.test';

/** Dovecot from bench/reference/up.sh: the same INBOX size, loaded over IMAP if short. */
async function loadDovecot(): Promise<void> {
  const user = DOVECOT_USER;
  const load = `
import imaplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname=False; ctx.verify_mode=ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", 11993, ssl_context=ctx); m.login("${user}", "pass")
n = int(m.select("INBOX")[1][0])
for i in range(n, ${MESSAGES}):
    m.append("INBOX", None, None, sys.modules["__main__"].msg(i))
print(int(m.select("INBOX")[1][0]))
`;
  const words = JSON.stringify([
    'budget',
    'meeting',
    'invoice',
    'holiday',
    'report',
    'lunch',
    'release',
    'review',
  ]);
  const msg = `
def msg(n):
    words = ${words}
    body = "\\r\\n".join("Line %d of message %d: %s notes and some more text to read." % (i, n, words[(n + i) % len(words)]) for i in range(30))
    return ("From: Sender %d <sender%d@example.net>\\r\\nTo: Bench <bench@bench.test>\\r\\nSubject: %s %d\\r\\nDate: Mon, 23 Nov 2026 09:%02d:00 +0000\\r\\nMessage-ID: <m%d@example.net>\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\n%s\\r\\n" % (n % 97, n % 97, words[n % len(words)], n, n % 60, n, body)).encode()
`;
  await run('python3', ['-c', msg + load], { timeout: 1_200_000 });
}

async function dovecotIdle(): Promise<string> {
  const user = DOVECOT_USER;
  const pids = "pgrep -f 'dovecot/imap' | tr '\\n' ' '";
  const idle = await run(
    'python3',
    [`${REF}/idle-mem.py`, '127.0.0.1', '11993', user, 'pass', String(DOVECOT_IDLE), pids],
    { timeout: 600_000 },
  );
  return `idle: ${idle.stdout.trim()}`;
}

async function main(): Promise<void> {
  if (args[0] === '--serve') return serve();
  if (args[0] === '--idle-client')
    return idleClients(Number(args[1]), Number(args[2]), args[3]!, args[4]!, args[5] !== 'plain');
  if (args[0] === '--provider') {
    process.stdout.write(`${await benchProvider(args[1] as 'sqlite' | 'mysql')}\n`);
    process.exit(0);
  }
  // --only sqlite,dovecot: a comma-separated subset.
  const only = option('only', '').split(',').filter(Boolean);
  const wanted = (name: string) => only.length === 0 || only.includes(name);
  interface Target {
    name: string;
    port: number;
    user: string;
    password: string;
    best: Timings;
    idle: () => Promise<string>;
  }
  const targets: Target[] = [];
  for (const provider of ['sqlite', 'mysql'] as const) {
    if (!wanted(provider)) continue;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/imap.ts',
        '--provider',
        provider,
        '--messages',
        String(MESSAGES),
        '--idle',
        String(IDLE),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout! });
    const [ready] = (await once(lines, 'line')) as [string];
    const idle = async () => {
      child.stdin!.write('idle\n');
      const [line] = (await once(lines, 'line')) as [string];
      child.stdin!.end();
      await once(child, 'exit');
      return line;
    };
    targets.push({
      name: `postroom/${provider}`,
      port: (JSON.parse(ready) as { imaps: number }).imaps,
      user: 'bench@bench.test',
      password: PASSWORD,
      best: new Map(),
      idle,
    });
  }
  if (wanted('dovecot')) {
    try {
      await loadDovecot();
      targets.push({
        name: 'dovecot',
        port: 11993,
        user: DOVECOT_USER,
        password: 'pass',
        best: new Map(),
        idle: dovecotIdle,
      });
    } catch (error) {
      console.log(`dovecot: not measured (${String(error).split('\n')[0]}); run ${REF}/up.sh first`);
    }
  }
  // This machine's speed wanders by half from one minute to the next: the servers take turns,
  // REPEAT rounds, and each keeps its best figure per operation.
  for (let round = 0; round < REPEAT; round++) {
    for (const target of targets) {
      await timeImapOnce(target.best, target.port, target.user, target.password);
      await timeSelectLoop(target.best, target.port, target.user, target.password);
    }
  }
  for (const target of targets)
    console.log(`${target.name.padEnd(16)} ${formatTimings(target.best)}  ${await target.idle()}`);
}

await main();
