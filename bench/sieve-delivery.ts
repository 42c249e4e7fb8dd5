// What Sieve costs at delivery: SMTP messages stored per second into one mailbox without a script,
// then with an active 21-rule script that files every message into a folder (20 rules that do not
// match, then fileinto). The real mail worker (bench/support/postroom.ts) and Postfix's
// smtp-source as the client, one message per connection; Postroom answers 250 after commit, so
// "accepted" is "stored". Short by design: the machine is shared; the load average is printed.
//
// usage: npx tsx bench/sieve-delivery.ts [--messages 500] [--sessions 10] [--size 4096] [--provider sqlite|mysql]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createBenchDatabase, startWorker } from './support/postroom';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '500' },
    sessions: { type: 'string', default: '10' },
    size: { type: 'string', default: '4096' },
    provider: { type: 'string', default: 'sqlite' },
  },
});
const MESSAGES = Number(args.messages);
const provider = args.provider === 'mysql' ? 'mysql' : 'sqlite';

function smtpSource(port: number): Promise<boolean> {
  const argv = ['-m', String(MESSAGES), '-s', args.sessions!, '-l', args.size!, '-S', 'bench report'];
  argv.push('-f', 'bench@elsewhere.example', '-t', 'box@bench.test', `127.0.0.1:${port}`);
  return new Promise((resolve) => {
    const child = spawn('/usr/sbin/smtp-source', argv, { stdio: 'ignore' });
    child.once('exit', (code) => resolve(code === 0));
  });
}

const rules = Array.from(
  { length: 20 },
  (_, n) => `if header :contains "subject" "project-${n}" { fileinto "Projects/${n}"; stop; }`,
);
const SCRIPT = `require ["fileinto", "mailbox"];\n${rules.join('\n')}\nfileinto :create "Filed";\n`;

const database = await createBenchDatabase(provider, 'bench.test', ['box'], 'Bench-pw-1234!');
const worker = await startWorker(database, { POSTROOM_WORKERS: '1' });
const { db } = await import('../server/core/db');
const { activateSieveScript, putSieveScript } = await import('../server/rules');
const count = (folder: string) => db().message.count({ where: { folder: { name: folder } } });
try {
  console.log(
    `Sieve delivery bench (${provider}, smtp-source): ${MESSAGES} messages of ${args.size} bytes over ${args.sessions} sessions; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (shared machine: compare the two lines, not the absolute figures)`,
  );
  for (const withScript of [false, true]) {
    if (withScript) {
      const user = await db().user.findFirstOrThrow({ where: { local: 'box' } });
      const result = await putSieveScript(user.id, 'bench', SCRIPT);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      await activateSieveScript(user.id, 'bench');
    }
    const folder = withScript ? 'Filed' : 'INBOX';
    const before = await count(folder);
    const started = process.hrtime.bigint();
    const ok = await smtpSource(worker.ports.smtp);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stored = (await count(folder)) - before;
    console.log(
      `  ${withScript ? 'with an active 21-rule script (fileinto)' : 'without a script               '}: ${stored} stored in ${seconds.toFixed(2)} s = ${(stored / seconds).toFixed(0)} msg/s${ok ? '' : ' (smtp-source reported an error)'}`,
    );
  }
} finally {
  await worker.stop();
  const { closeDb } = await import('../server/core/db');
  await closeDb();
  await database.cleanup();
}
