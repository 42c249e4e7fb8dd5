// Runs Dovecot's imaptest scripted conformance suite (github dovecot/imaptest, built locally)
// against a Postroom IMAP server on a fresh database. Not part of `npm test`: it needs the binary.
//   IMAPTEST=/path/to/imaptest IMAPTEST_DIR=/path/to/tests node --import tsx bench/imaptest.ts [group...]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';

const run = promisify(execFile);
const binary = process.env.IMAPTEST;
const testDir = process.env.IMAPTEST_DIR;
if (!binary || !testDir) {
  console.error(
    'Set IMAPTEST (the imaptest binary) and IMAPTEST_DIR (its src/tests folder): see the README.',
  );
  process.exit(2);
}
process.env.POSTROOM_IMAP_ALLOW_PLAIN_AUTH = '1';
process.env.POSTROOM_LOG ??= 'silent';

const { createTestDatabase } = await import('../test/helpers/db');
const testDb = await createTestDatabase();
const { addDomain, addMailbox } = await import('../server/domain');
const { startImapServers } = await import('../server/imap');
const store = await import('../server/store');
await addDomain('imaptest.test');
const tester = await addMailbox({ address: 'tester@imaptest.test', password: 'Imaptest-pass-1' });
// A second user for the groups that need one (urlauth2: URLFETCH of another user's authuser URL);
// imaptest selects the test mailbox on that connection too.
const tester2 = await addMailbox({ address: 'tester2@imaptest.test', password: 'Imaptest-pass-1' });
await store.createFolder(tester2.id, 'imaptest');
// urlauth2 starts with `fetch 1:2` but, unlike urlauth, has no "messages:" line, and imaptest
// deletes and re-creates its test mailbox before each group: against any server the FETCH meets an
// empty mailbox. It is run on INBOX (which imaptest cannot delete) holding two messages instead.
const testerInbox = await store.findDeliveryFolder(tester.id);
for (const n of [1, 2])
  await store.appendMessage(
    Buffer.from(`From: a${n}@imaptest.test\r\nSubject: urlauth2 message ${n}\r\n\r\nBody ${n}\r\n`),
    [{ folderId: testerInbox }],
    {},
  );
const groupArgs: Record<string, string[]> = { urlauth2: ['box=INBOX'] };
const servers = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
const wanted = process.argv.slice(2);
// "broken" holds tests imaptest itself marks as known-broken; it is not one of the groups.
const groups = readdirSync(testDir).filter(
  (name) => !name.endsWith('.mbox') && name !== 'broken' && (wanted.length === 0 || wanted.includes(name)),
);
let passedGroups = 0;
const failed: string[] = [];
const skipped: string[] = [];
for (const group of groups) {
  const args = [
    `host=127.0.0.1`,
    `port=${servers.ports.imap}`,
    'user=tester@imaptest.test',
    'user2=tester2@imaptest.test',
    'pass=Imaptest-pass-1',
    `test=${testDir}/${group}`,
    ...(groupArgs[group] ?? []),
  ];
  let output = '';
  try {
    const result = await run(binary, args, {
      env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/dovecot' },
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    output = result.stdout + result.stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    output = (e.stdout ?? '') + (e.stderr ?? '') + String(error);
  }
  const summary = /(\d+) test groups: (\d+) failed, (\d+) skipped due to missing capabilities/.exec(output);
  const ok = summary !== null && summary[2] === '0';
  // A group whose capability is missing runs no command at all: count it as skipped, not passed.
  const ranNothing =
    /base protocol: 0\/0 individual/.test(output) && /extensions: 0\/0 individual/.test(output);
  if (ok && ranNothing) skipped.push(group);
  else if (ok) passedGroups++;
  else failed.push(group);
  if (!ok || process.env.VERBOSE)
    process.stdout.write(`--- ${group}\n${output.slice(0, Number(process.env.SHOW ?? 3000))}\n`);
  else process.stdout.write(`${ranNothing ? 'skipped' : 'ok'} ${group}\n`);
}
console.log(
  `\nimaptest: ${passedGroups}/${groups.length} groups passed; failed: ${failed.join(' ') || 'none'}; skipped (capability not offered): ${skipped.join(' ') || 'none'}`,
);
await servers.close();
await testDb.cleanup();
