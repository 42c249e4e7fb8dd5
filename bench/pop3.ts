// POP3 benchmark: a maildrop of N messages (default 1,000, ~3 KB each); login, STAT, LIST, UIDL,
// RETR of 100 and QUIT, timed by bench/pop3-bench.py (Python poplib over TLS, best of three), on
// SQLite and MariaDB, beside Dovecot's POP3S from bench/reference/up.sh in the same run.
// Login includes argon2id verification here; Dovecot's reference users have {PLAIN} passwords.
//   node --import tsx bench/pop3.ts [--messages 1000] [--only sqlite|mysql|dovecot]
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKER_NODE_FLAGS } from '../server/core/node-flags';

const run = promisify(execFile);
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const MESSAGES = Number(option('messages', '1000'));
const ONLY = option('only', '');
const TIMER = join(import.meta.dirname, 'pop3-bench.py');
const PASSWORD = 'Bench-password-42';
const WORDS = ['budget', 'meeting', 'invoice', 'holiday', 'report', 'lunch', 'release', 'review'];

function body(n: number): string {
  return Array.from(
    { length: 30 },
    (_, i) => `Line ${i} of message ${n}: ${WORDS[(n + i) % WORDS.length]} notes and some more text to read.`,
  ).join('\r\n');
}

function message(n: number): Buffer {
  return Buffer.from(
    `From: Sender ${n % 97} <sender${n % 97}@example.net>\r\nTo: Bench <bench@bench.test>\r\nSubject: ${WORDS[n % WORDS.length]} ${n}\r\nDate: Mon, 23 Nov 2026 09:${String(n % 60).padStart(2, '0')}:00 +0000\r\nMessage-ID: <m${n}@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body(n)}\r\n.${n} a line with a leading dot\r\n`,
  );
}

async function benchProvider(provider: 'sqlite' | 'mysql'): Promise<string> {
  process.env.POSTROOM_TEST_DB = provider;
  process.env.POSTROOM_LOG = 'silent';
  const { createTestDatabase } = await import('../test/helpers/db');
  const testDb = await createTestDatabase();
  try {
    const { addDomain, addMailbox } = await import('../server/domain');
    const { appendMessage, findDeliveryFolder } = await import('../server/store');
    const { startPop3Servers } = await import('../server/pop3');
    await addDomain('bench.test');
    const user = await addMailbox({ address: 'bench@bench.test', password: PASSWORD });
    const inbox = await findDeliveryFolder(user.id);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < MESSAGES) await appendMessage(message(next++), [{ folderId: inbox }]);
      }),
    );
    const servers = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
    try {
      const timing = await run(
        'python3',
        [TIMER, '127.0.0.1', String(servers.ports.pop3s), 'bench@bench.test', PASSWORD],
        { timeout: 600_000 },
      );
      return `postroom/${provider}: ${timing.stdout.trim()}`;
    } finally {
      await servers.close();
    }
  } finally {
    const { closeDb } = await import('../server/core/db');
    await closeDb();
    await testDb.cleanup();
  }
}

/** Dovecot's POP3S: the same maildrop size, loaded over IMAP if short. */
async function benchDovecot(): Promise<string> {
  const user = 'bench88@example.test';
  const load = `
import imaplib, ssl
words = ${JSON.stringify(WORDS)}
def msg(n):
    body = "\\r\\n".join("Line %d of message %d: %s notes and some more text to read." % (i, n, words[(n + i) % len(words)]) for i in range(30))
    return ("From: Sender %d <sender%d@example.net>\\r\\nTo: Bench <bench@bench.test>\\r\\nSubject: %s %d\\r\\nDate: Mon, 23 Nov 2026 09:%02d:00 +0000\\r\\nMessage-ID: <m%d@example.net>\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\n%s\\r\\n.%d a line with a leading dot\\r\\n" % (n % 97, n % 97, words[n % len(words)], n, n % 60, n, body, n)).encode()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", 11993, ssl_context=ctx); m.login("${user}", "pass")
n = int(m.select("INBOX")[1][0])
for i in range(n, ${MESSAGES}):
    m.append("INBOX", None, None, msg(i))
m.logout()
`;
  await run('python3', ['-c', load], { timeout: 1_200_000 });
  const timing = await run('python3', [TIMER, '127.0.0.1', '11995', user, 'pass'], { timeout: 600_000 });
  return `dovecot:         ${timing.stdout.trim()}`;
}

async function main(): Promise<void> {
  for (const provider of ['sqlite', 'mysql'] as const) {
    if (ONLY && ONLY !== provider) continue;
    try {
      if (ONLY) console.log(await benchProvider(provider));
      else {
        // One process per provider: the database client is chosen once per process.
        const child = await run(
          process.execPath,
          [
            ...WORKER_NODE_FLAGS,
            '--import',
            'tsx',
            import.meta.filename,
            '--only',
            provider,
            '--messages',
            String(MESSAGES),
          ],
          { timeout: 1_200_000 },
        );
        process.stdout.write(child.stdout);
      }
    } catch (error) {
      console.log(`postroom/${provider}: failed (${String(error).split('\n')[0]})`);
    }
  }
  if (!ONLY || ONLY === 'dovecot') {
    try {
      console.log(await benchDovecot());
    } catch (error) {
      console.log(`dovecot: not measured (${String(error).split('\n')[0]}); run bench/reference/up.sh first`);
    }
  }
}

await main();
