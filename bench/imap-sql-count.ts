// SQL statements and transactions per IMAP command on MariaDB, from the server's general log: one
// session runs imaptest's command shapes one at a time (LOGIN, LIST, STATUS, SELECT, FETCH, FETCH2,
// STORE, STORE \Deleted, EXPUNGE, APPEND, NOOP, CHECK, LOGOUT) and the log lines of the worker's
// connections written while each runs are counted. The general log is global: it is switched on
// for the run only, to a file of this run's, and off again at the end (also on failure).
//
// usage: node --import tsx bench/imap-sql-count.ts [--messages 40] [--repeat 3] [--verbose]
//   Needs a local MariaDB (POSTROOM_TEST_MYSQL_URL, default root@127.0.0.1:3306) that can write
//   its general log to /tmp.
import { readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import mariadb from 'mariadb';
import { createBenchDatabase, startWorker } from './support/postroom';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '40' },
    repeat: { type: 'string', default: '3' },
    verbose: { type: 'boolean', default: false },
  },
});
const PASSWORD = 'Count-Password-2026!';
const LOG = `/tmp/postroom-general-${process.pid}.log`;
const admin = new URL(process.env.POSTROOM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');

/** A minimal IMAP client: sends one command and resolves with the lines up to its tagged reply. */
function imapClient(socket: Socket) {
  let buffer = '';
  let waiter: { tag: string; resolve: (lines: string[]) => void } | null = null;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (waiter && new RegExp(`(^|\\r\\n)${waiter.tag} (OK|NO|BAD)[^\\r]*\\r\\n`).test(buffer)) {
      const lines = buffer.split('\r\n');
      buffer = '';
      const done = waiter;
      waiter = null;
      done.resolve(lines);
    }
  });
  let n = 0;
  const greeted = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  return {
    greeting: () => greeted,
    command(text: string, literal?: string): Promise<string[]> {
      const tag = `c${++n}`;
      return new Promise((resolve) => {
        waiter = { tag, resolve };
        if (literal === undefined) socket.write(`${tag} ${text}\r\n`);
        else socket.write(`${tag} ${text} {${Buffer.byteLength(literal, 'latin1')}+}\r\n${literal}\r\n`);
      });
    },
  };
}

function message(i: number): string {
  const lines = Array.from({ length: 20 + (i % 60) }, (_, n) => `line ${n} of message ${i}`);
  return (
    `From: Sender ${i} <sender${i}@example.net>\r\nTo: count@example.test\r\nSubject: count ${i}\r\n` +
    `Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <count${i}@example.net>\r\n\r\n${lines.join('\r\n')}\r\n`
  );
}

interface Counts {
  /** Wall time of the command, ms (noisy on a loaded machine). */
  ms: number;
  statements: number;
  commits: number;
  kinds: Map<string, number>;
}

/** The worker's statements among the log's lines from `offset` on (its connections' thread ids). */
function countSince(offset: number, threads: Set<string>, dbName: string): Counts {
  const whole = readFileSync(LOG, 'latin1');
  // Pooled connections opened before `offset` are the worker's too: their Connect lines name the database.
  for (const match of whole.matchAll(/(\d+) Connect\t\S+ on (\S+) /g))
    if (match[2] === dbName) threads.add(match[1]!);
  const text = whole.slice(offset);
  const counts: Counts = { ms: 0, statements: 0, commits: 0, kinds: new Map() };
  let current: string | null = null;
  for (const line of text.split('\n')) {
    const match = /^(?:\d{6}\s+[\d:]+\s+|\s+)(\d+) (\w[\w ]*?)\t(.*)$/.exec(line);
    if (!match) continue;
    const [, thread, command, argument] = match as unknown as [string, string, string, string];
    if (command === 'Connect' && argument.includes(` on ${dbName} `)) threads.add(thread);
    if (!threads.has(thread)) continue;
    current = thread;
    if (command !== 'Query' && command !== 'Execute') continue;
    counts.statements++;
    const sql = argument.trim().replace(/\s+/g, ' ');
    // The process's background: the change poller (every 250 ms) and the connection counter.
    if (/^SELECT `mail_changes`\.`id`, `mail_changes`\.`folder_id`|connection_counts/.test(sql)) continue;
    if (/^COMMIT/i.test(sql)) counts.commits++;
    const kind = sql.slice(0, 90);
    counts.kinds.set(kind, (counts.kinds.get(kind) ?? 0) + 1);
  }
  void current;
  return counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const database = await createBenchDatabase('mysql', 'count.test', ['count1', 'count2'], PASSWORD);
  const dbName = new URL(database.env.DATABASE_URL!).pathname.slice(1);
  const conn = await mariadb.createConnection({
    host: admin.hostname,
    port: Number(admin.port || 3306),
    user: 'root',
  });
  await conn.query(`SET GLOBAL general_log_file = '${LOG}'`);
  await conn.query('SET GLOBAL general_log = 1');
  const worker = await startWorker(database, {
    POSTROOM_IMAP_ALLOW_PLAIN_AUTH: '1',
    POSTROOM_QUEUE_RUNNER: 'off',
  });
  const threads = new Set<string>();
  const table = new Map<string, Counts[]>();
  try {
    const socket = connect(worker.ports.imap, '127.0.0.1');
    const client = imapClient(socket);
    await client.greeting();
    await client.command(`LOGIN count1@count.test "${PASSWORD}"`);
    for (let i = 0; i < Number(args.messages); i++) await client.command('APPEND INBOX ()', message(i));
    await client.command('LOGOUT');
    socket.destroy();
    await sleep(300);
    const measure = async (name: string, run: () => Promise<unknown>) => {
      await sleep(400); // the change poller's reads of the previous step are over
      const offset = statSync(LOG).size;
      const started = performance.now();
      await run();
      const ms = performance.now() - started;
      await sleep(30);
      const counts = { ...countSince(offset, threads, dbName), ms };
      table.set(name, [...(table.get(name) ?? []), counts]);
    };
    for (let round = 0; round < Number(args.repeat); round++) {
      let s!: Socket;
      let c!: ReturnType<typeof imapClient>;
      await measure('connect+greeting', async () => {
        s = connect(worker.ports.imap, '127.0.0.1');
        c = imapClient(s);
        await c.greeting();
      });
      await measure('LOGIN', () => c.command(`LOGIN count1@count.test "${PASSWORD}"`));
      await measure('LIST', () => c.command('LIST "" *'));
      await measure('STATUS', () => c.command('STATUS "INBOX" (MESSAGES UNSEEN RECENT)'));
      await measure('SELECT', () => c.command('SELECT "INBOX" (CONDSTORE)'));
      await measure('FETCH', () =>
        c.command('FETCH 1:20,25 (UID FLAGS ENVELOPE BODY.PEEK[HEADER.FIELDS (From Subject)])'),
      );
      await measure('FETCH small', () => c.command('FETCH 3,7 (UID FLAGS INTERNALDATE RFC822.SIZE)'));
      await measure('FETCH2', () => c.command('FETCH 5 (UID BODY.PEEK[])'));
      await measure('STORE', () => c.command('STORE 2,4 +FLAGS (\\Seen $Label1)'));
      await measure('STORE.SILENT', () => c.command('STORE 6 -FLAGS.SILENT (\\Seen)'));
      await measure('STORE Deleted', () => c.command('STORE 1,3 +FLAGS \\Deleted'));
      await measure('EXPUNGE', () => c.command('EXPUNGE'));
      await measure('APPEND', () =>
        c.command('APPEND "INBOX" (\\Seen) "23-Nov-2026 09:00:00 +0000"', message(100 + round)),
      );
      await measure('NOOP', () => c.command('NOOP'));
      await measure('CHECK', () => c.command('CHECK'));
      await measure('LOGOUT', () => c.command('LOGOUT'));
      s.destroy();
    }
  } finally {
    await conn.query('SET GLOBAL general_log = 0').catch(() => {});
    await conn.end();
    await worker.stop();
    await database.cleanup();
  }
  console.log('command             statements  commits  median ms   (statements: rounds averaged)');
  for (const [name, runs] of table) {
    const avg = (f: (c: Counts) => number) =>
      (runs.reduce((sum, c) => sum + f(c), 0) / runs.length).toFixed(1);
    const times = runs.map((c) => c.ms).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!.toFixed(2);
    console.log(
      `${name.padEnd(20)}${avg((c) => c.statements).padStart(10)}${avg((c) => c.commits).padStart(9)}${median.padStart(11)}`,
    );
    if (args.verbose)
      for (const [kind, n] of runs.at(-1)!.kinds) console.log(`      ${String(n).padStart(3)}  ${kind}`);
  }
}

await main();
