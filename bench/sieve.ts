// Cost of running a 50-rule Sieve script per delivered message (goal: < 0.2 ms/message), the
// message read from a stream as delivery does (header + a capped body; the body only when a rule
// needs it). Usage: npx tsx bench/sieve.ts
import { Readable } from 'node:stream';
import { compileSieve, runSieve, type CompiledSieve, type SieveMessageInput } from '../server/sieve/index';

const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n'.repeat(60);
const raw = Buffer.from(
  'Received: from mx.example.test by mail.example.test; Mon, 23 Nov 2026 10:00:01 +0000\r\n' +
    'From: "Sender Name" <sender@example.test>\r\nTo: user@example.test, "B, C" <b@example.test>\r\n' +
    'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= weekly report\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n' +
    'Message-ID: <bench@example.test>\r\nList-Id: Team <team.lists.example.test>\r\nX-Spam-Score: 3\r\n' +
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' +
    text,
);

/** 50 rules of the kinds people write: senders, subjects, lists, spam scores, sizes, dates. */
function script(withBody: boolean): string {
  const rules: string[] = [];
  for (let n = 0; n < 10; n++)
    rules.push(`if address :is "from" "friend${n}@example.org" { fileinto "Friends"; stop; }`);
  for (let n = 0; n < 10; n++)
    rules.push(`if header :contains "subject" "invoice ${n}" { fileinto "Bills"; }`);
  for (let n = 0; n < 10; n++)
    rules.push(`if header :matches "list-id" "*<project${n}.*>" { fileinto "Lists/${n}"; }`);
  for (let n = 0; n < 8; n++)
    rules.push(`if address :domain :is ["to", "cc"] "team${n}.example.org" { addflag "$Team${n}"; }`);
  for (let n = 0; n < 5; n++)
    rules.push(
      `if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "${10 + n}" { fileinto "Junk"; }`,
    );
  rules.push('if size :over 10M { fileinto "Big"; }');
  rules.push('if envelope :localpart :matches "from" "*-bounces*" { discard; }');
  rules.push('if date :value "lt" "date" "year" "2000" { fileinto "Old"; }');
  rules.push('if exists "x-priority" { addflag "\\\\Flagged"; }');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Sieve match variable, not a template
  rules.push('if header :matches "subject" "*weekly*" { set "kind" "${1}"; }');
  rules.push('if not anyof (exists "from", exists "sender") { discard; }');
  rules.push(withBody ? 'if body :text :contains "unsubscribe now" { fileinto "Junk"; }' : 'if true { }');
  return `require ["fileinto", "envelope", "imap4flags", "variables", "relational", "comparator-i;ascii-numeric", "date", "body"];\n${rules.join('\n')}`;
}

const message: SieveMessageInput = {
  open: () => Readable.from([raw]),
  size: raw.length,
  envelopeFrom: 'sender@example.test',
  envelopeTo: 'user@example.test',
  user: 'user@example.test',
  userAddresses: [],
  receivedAt: new Date(),
};
const env = { mailboxExists: async () => true };

/** Wall time and CPU time per message: on a busy machine the CPU time is the fairer figure. */
async function time(label: string, compiled: CompiledSieve, rounds: number): Promise<void> {
  for (let i = 0; i < 500; i++) await runSieve([compiled], message, env); // warm up
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await runSieve([compiled], message, env);
  const wallMs = Number(process.hrtime.bigint() - start) / rounds / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / rounds / 1000;
  console.log(`${label}: ${wallMs.toFixed(3)} ms/message wall, ${cpuMs.toFixed(3)} ms/message CPU`);
}

for (const withBody of [false, true]) {
  const result = compileSieve(script(withBody));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const check = await runSieve([result.script], message, env);
  if (check.errors.length) throw new Error(check.errors.join('; '));
  await time(
    `50 rules${withBody ? ' incl. a body test' : ', headers only'} (${(raw.length / 1024).toFixed(1)} KiB message)`,
    result.script,
    5000,
  );
}
const compileStart = process.hrtime.bigint();
for (let i = 0; i < 200; i++) compileSieve(script(true));
console.log(
  `compile 50 rules: ${(Number(process.hrtime.bigint() - compileStart) / 200 / 1e6).toFixed(3)} ms`,
);
