// The smaller extensions of issue 4 that the other IMAP tests do not reach, checked by hand over
// implicit TLS: NAMESPACE, ID, ENABLE IMAP4rev2 (and what it changes in SELECT and FETCH), SORT,
// THREAD=REFERENCES and ORDEREDSUBJECT, LSUB, CHECK, QUOTA and APPENDLIMIT. The expected answers
// come from the RFCs' grammar and rules (cited per assertion), not from our own output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';
import { updateMailboxDetails } from '../../server/domain';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
  const inbox = await findDeliveryFolder(env.userId);
  // A conversation and an unrelated message, sent on consecutive days:
  // 1 "Plan" <- 2 "Re: Plan" <- 4 "Re: Plan" (replies by References), and 3 "Other".
  const messages = [
    ['Plan', '<plan@example.net>', '', 'Mon, 02 Nov 2026 09:00:00 +0000'],
    ['Re: Plan', '<reply1@example.net>', '<plan@example.net>', 'Tue, 03 Nov 2026 09:00:00 +0000'],
    ['Other', '<other@example.net>', '', 'Wed, 04 Nov 2026 09:00:00 +0000'],
    [
      'Re: Plan',
      '<reply2@example.net>',
      '<plan@example.net> <reply1@example.net>',
      'Thu, 05 Nov 2026 09:00:00 +0000',
    ],
  ];
  for (const [subject, id, references, date] of messages) {
    const header = references
      ? `References: ${references}\nIn-Reply-To: ${references.split(' ').pop()}\n`
      : '';
    await appendMessage(
      raw(
        `From: Bob <bob@example.net>\nTo: Alice <alice@example.org>\nSubject: ${subject}\nDate: ${date}\nMessage-ID: ${id}\n${header}\nText.\n`,
      ),
      [{ folderId: inbox }],
      { internalDate: new Date(date!) },
    );
  }
});
after(async () => {
  await env.close();
});

async function loggedIn(): Promise<RawClient> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('l', `LOGIN alice@example.org "${PASSWORD}"`), /^l OK/m);
  return client;
}

test('NAMESPACE, ID, CHECK, LSUB, QUOTA and APPENDLIMIT answer as their RFCs say', async () => {
  const client = await loggedIn();
  const capability = await client.command('c', 'CAPABILITY');
  // RFC 7889: APPENDLIMIT=<number> when one limit holds for every mailbox.
  assert.match(capability, /^\* CAPABILITY .*\bAPPENDLIMIT=\d+\b/m);
  for (const word of [
    'NAMESPACE',
    'ID',
    'SORT',
    'THREAD=REFERENCES',
    'THREAD=ORDEREDSUBJECT',
    'QUOTA',
    'IMAP4rev2',
    'ENABLE',
  ]) {
    assert.match(capability, new RegExp(`^\\* CAPABILITY .* ${word.replace('=', '\\=')}( |\\r)`, 'm'), word);
  }
  // RFC 2342: personal namespace with the "/" delimiter LIST reports, no other-users or shared ones.
  assert.match(await client.command('n', 'NAMESPACE'), /^\* NAMESPACE \(\("" "\/"\)\) NIL NIL\r\nn OK/m);
  // RFC 2971: the server answers with its own ID list (or NIL) and OK.
  assert.match(
    await client.command('i', 'ID ("name" "imaplib-test" "version" "1")'),
    /^\* ID (\(.*"name" "[^"]+".*\)|NIL)\r\ni OK/m,
  );
  assert.match(await client.command('i2', 'ID NIL'), /^i2 OK/m);
  // RFC 3501 6.3.9: LSUB lists subscribed folders (the defaults are subscribed).
  const lsub = await client.command('s', 'LSUB "" "*"');
  for (const name of ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive'])
    assert.match(lsub, new RegExp(`^\\* LSUB \\([^)]*\\) "/" "?${name}"?\\r$`, 'm'), name);
  assert.match(await client.command('u', 'UNSUBSCRIBE Archive'), /^u OK/m);
  assert.doesNotMatch(await client.command('s2', 'LSUB "" "*"'), /Archive/);
  // RFC 9208: without a quota INBOX has no quota root; with one, the root and its STORAGE in KiB.
  assert.match(await client.command('q0', 'GETQUOTAROOT INBOX'), /^\* QUOTAROOT "?INBOX"?\r\nq0 OK/m);
  await updateMailboxDetails(env.address, { quota: 1024 * 1024 });
  const quota = await client.command('q', 'GETQUOTAROOT INBOX');
  const root = /^\* QUOTAROOT "?INBOX"? (\S+)\r$/m.exec(quota)?.[1];
  assert.ok(root, quota);
  assert.match(quota, new RegExp(`^\\* QUOTA ${root} \\(STORAGE [1-9]\\d* 1024\\)\r$`, 'm'));
  await updateMailboxDetails(env.address, { quota: 0 });
  assert.match(await client.command('x', 'SELECT INBOX'), /^x OK/m);
  assert.match(await client.command('k', 'CHECK'), /^k OK/m);
  await client.command('z', 'LOGOUT');
});

test('SORT and THREAD order the conversation by the rules of RFC 5256', async () => {
  const client = await loggedIn();
  await client.command('x', 'SELECT INBOX');
  // Base subjects: "other" sorts before "plan"; equal keys fall back to sequence order.
  assert.match(await client.command('s1', 'SORT (SUBJECT) UTF-8 ALL'), /^\* SORT 3 1 2 4\r\ns1 OK/m);
  // DATE is the sent date (Date header): 1 2 3 4; REVERSE turns it round.
  assert.match(await client.command('s2', 'SORT (REVERSE DATE) UTF-8 ALL'), /^\* SORT 4 3 2 1\r\ns2 OK/m);
  assert.match(await client.command('s3', 'UID SORT (DATE) UTF-8 SUBJECT plan'), /^\* SORT 1 2 4\r\ns3 OK/m);
  // REFERENCES: 4 replies to 2, which replies to 1; 3 stands alone. Threads by their first date.
  assert.match(
    await client.command('t1', 'THREAD REFERENCES UTF-8 ALL'),
    /^\* THREAD \(1 2 4\)\(3\)\r\nt1 OK/m,
  );
  // ORDEREDSUBJECT: one thread per base subject, the earliest message the parent of all the rest.
  assert.match(
    await client.command('t2', 'THREAD ORDEREDSUBJECT UTF-8 ALL'),
    /^\* THREAD \(1 \(2\)\(4\)\)\(3\)\r\nt2 OK/m,
  );
  assert.match(await client.command('t3', 'THREAD NOSUCH UTF-8 ALL'), /^t3 (BAD|NO)/m);
  await client.command('z', 'LOGOUT');
});

test('after ENABLE IMAP4rev2: SELECT has LIST and no RECENT, and FETCH shows no \\Recent', async () => {
  const client = await loggedIn();
  // RFC 9051 7.2.1 / RFC 5161: ENABLED names what was enabled.
  assert.match(await client.command('e', 'ENABLE IMAP4rev2'), /^\* ENABLED IMAP4rev2\r\ne OK/m);
  const select = await client.command('x', 'SELECT INBOX');
  // RFC 9051 6.3.2: EXISTS, FLAGS, LIST with the mailbox name, UIDVALIDITY, UIDNEXT; no RECENT.
  assert.match(select, /^\* 4 EXISTS\r$/m);
  assert.match(select, /^\* LIST \([^)]*\) "\/" "?INBOX"?\r$/m);
  assert.doesNotMatch(select, /RECENT/);
  // RFC 9051 2.3.2: \Recent no longer exists.
  assert.doesNotMatch(await client.command('f', 'FETCH 1:* (FLAGS)'), /\\Recent/);
  // RFC 9051 6.4.4: SEARCH answers with ESEARCH.
  assert.match(
    await client.command('s', 'SEARCH SUBJECT plan'),
    /^\* ESEARCH \(TAG "s"\) ALL 1:2,4\r\ns OK/m,
  );
  await client.command('z', 'LOGOUT');
});
