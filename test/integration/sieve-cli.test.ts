// `postroom sieve` as an admin scripts it (real database; the compiled CLI through
// postroomCommand, the first refusal through bin/postroom.js in its own process): the administrator's
// script is refused with line and column when it does not compile, files spam-flagged mail that
// arrives over SMTP into Junk once saved, is shown and removed; a mailbox's scripts are listed and
// its filters turned off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { startFixture, mailboxMessages, type SmtpFixture } from './smtp-fixture';
import { db } from '../../server/core/db';
import { addMailbox } from '../../server/domain';
import { activateSieveScript, putSieveScript } from '../../server/rules';
import { postroomCommand } from '../helpers/postroom-cli';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
const ADDRESS = 'max@foobar.com';
const SPAM_TO_JUNK = `require ["fileinto", "mailbox"];
if header :contains "X-Spam-Flag" "YES" { fileinto :create "Junk"; stop; }
`;
let fixture: SmtpFixture;

const postroom = postroomCommand;

/** bin/postroom.js in its own process. */
function postroomProcess(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, POSTROOM_LOG: 'silent' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

async function send(subject: string, headers: Record<string, string> = {}): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: fixture.smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ from: 'carol@remote.example', to: ADDRESS, subject, text: 'Hello', headers });
}

before(async () => {
  fixture = await startFixture();
  await addMailbox({ address: ADDRESS, password: 'Correct-Horse-Battery-9' });
});
after(async () => {
  await fixture.close();
});

test('a script that does not compile is refused with its line and column, and nothing is saved', () => {
  const refused = postroomProcess(['sieve', 'admin-set', '-'], 'require "fileinto";\nfileinto "Junk"\n');
  assert.equal(refused.code, 2);
  assert.match(refused.err, /line 3, column \d+|line 2, column \d+/);
  assert.match(postroom(['sieve', 'admin-show']).out, /no administrator script/);
});

test('the administrator script files spam-flagged SMTP mail into Junk before the mailbox script', {
  timeout: 60_000,
}, async () => {
  const saved = postroom(['sieve', 'admin-set', '-'], SPAM_TO_JUNK);
  assert.equal(saved.code, 0, saved.err);
  assert.equal(postroom(['sieve', 'admin-show']).out, SPAM_TO_JUNK);
  // The running server re-reads the administrator's script within two seconds.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  await send('cheap pills', { 'X-Spam-Flag': 'YES' });
  await send('lunch on Friday?');
  const junk = await mailboxMessages(ADDRESS, 'Junk');
  const inbox = await mailboxMessages(ADDRESS, 'INBOX');
  assert.equal(junk.length, 1);
  assert.match(junk[0]!, /Subject: cheap pills/);
  assert.ok(inbox.some((raw) => /Subject: lunch on Friday\?/.test(raw)));
  assert.ok(!inbox.some((raw) => /Subject: cheap pills/.test(raw)));

  assert.equal(postroom(['sieve', 'admin-clear']).code, 0);
  assert.match(postroom(['sieve', 'admin-show']).out, /no administrator script/);
});

test("a mailbox's scripts are listed, shown, and its filters turned off with the scripts kept", async () => {
  const user = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'max', domain: 'foobar.com' } },
  });
  assert.ok((await putSieveScript(user.id, 'main', 'keep;\n')).ok);
  await activateSieveScript(user.id, 'main');
  assert.match(postroom(['sieve', 'list', ADDRESS]).out, /main\s+yes/);
  assert.equal(postroom(['sieve', 'show', ADDRESS, 'main']).out, 'keep;\n');
  const off = postroom(['sieve', 'off', ADDRESS]);
  assert.equal(off.code, 0, off.err);
  assert.doesNotMatch(postroom(['sieve', 'list', ADDRESS]).out, /main\s+yes/);
  assert.match(postroom(['sieve', 'list', ADDRESS]).out, /main/);
  assert.equal(postroom(['sieve', 'list', 'nobody@foobar.com']).code, 1);
});
