// How fast `postroom import imap` copies a mailbox: 10,000 messages (about 2 KiB each, a third
// seen, some flagged with a keyword) in the reference Dovecot's bench62 INBOX (bench/reference/
// up.sh; loaded over IMAP the first time and kept), imported into a fresh Postroom database with
// the same code as the CLI. Prints messages and MiB per second per provider.
//   node --import tsx bench/import-imap.ts [--messages 10000] [--only sqlite|mysql]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ImapFlow } from 'imapflow';
import { REFERENCE_PORTS } from './reference/paths';
import { createBenchDatabase, type Provider } from './support/postroom';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '10000' }, only: { type: 'string' } },
});
const MESSAGES = Number(values.messages);
const SOURCE = { user: 'bench62@example.test', pass: 'pass' };

function source(): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: REFERENCE_PORTS.imaps,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: SOURCE,
    logger: false,
  });
}

function message(n: number): Buffer {
  const lines = Array.from(
    { length: 30 },
    (_, i) => `Line ${i} of message ${n}: notes and some more text to read.`,
  );
  return Buffer.from(
    `From: Sender ${n % 97} <sender${n % 97}@example.net>\r\nTo: Bench <bench62@example.test>\r\nSubject: Message ${n}\r\nMessage-ID: <import${n}@example.net>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\n${lines.join('\r\n')}\r\n`,
  );
}

/** Fills the source INBOX up to MESSAGES (kept between runs). */
async function loadSource(): Promise<void> {
  const client = source();
  await client.connect();
  const status = await client.status('INBOX', { messages: true });
  const have = status ? (status.messages ?? 0) : 0;
  if (have < MESSAGES) {
    process.stderr.write(`loading the reference Dovecot with ${MESSAGES - have} messages...\n`);
    for (let n = have + 1; n <= MESSAGES; n++)
      await client.append(
        'INBOX',
        message(n),
        n % 3 === 0 ? ['\\Seen'] : n % 7 === 0 ? ['\\Flagged', '$Work'] : [],
        new Date(Date.UTC(2026, 0, 1) + n * 60_000),
      );
  }
  await client.logout();
}

async function measure(provider: Provider): Promise<string> {
  const database = await createBenchDatabase(provider, 'example.org', ['target'], 'Bench-import-pw-1');
  try {
    const { importFromImap } = await import('../server/migrate-in');
    const started = process.hrtime.bigint();
    const report = await importFromImap(
      {
        host: '127.0.0.1',
        port: REFERENCE_PORTS.imaps,
        user: SOURCE.user,
        password: SOURCE.pass,
        insecure: true,
      },
      'target@example.org',
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { closeDb } = await import('../server/core/db');
    await closeDb();
    return `${provider}: ${report.added} messages, ${(report.bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(1)} s = ${(report.added / seconds).toFixed(0)} msg/s, ${(report.bytes / 1048576 / seconds).toFixed(2)} MiB/s`;
  } finally {
    await database.cleanup();
  }
}

await loadSource();
if (values.only) console.log(`import imap from Dovecot, ${await measure(values.only as Provider)}`);
// The database client is chosen once per process: each provider is measured in its own.
else
  for (const provider of ['sqlite', 'mysql'])
    execFileSync(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--messages', String(MESSAGES), '--only', provider],
      {
        stdio: 'inherit',
      },
    );
