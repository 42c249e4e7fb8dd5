// CONDSTORE and QRESYNC (RFC 7162) by hand: MODSEQ in FETCH, CHANGEDSINCE, UNCHANGEDSINCE,
// SELECT (QRESYNC ...) with VANISHED (EARLIER), and VANISHED instead of EXPUNGE once enabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
  const inbox = await findDeliveryFolder(env.userId);
  for (let n = 1; n <= 5; n++)
    await appendMessage(raw(`From: q${n}@example.net\nSubject: resync ${n}\n\nbody ${n}\n`), [
      { folderId: inbox },
    ]);
});
after(async () => {
  await env.close();
});

test('a client resynchronises with QRESYNC after changes made while it was away', async () => {
  const first = await RawClient.tls(env.servers.ports.imaps!);
  await first.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  assert.match(await first.command('b', 'ENABLE QRESYNC'), /\* ENABLED QRESYNC/);
  const selected = await first.command('c', 'SELECT INBOX');
  const validity = /UIDVALIDITY (\d+)/.exec(selected)![1];
  const modseq = BigInt(/HIGHESTMODSEQ (\d+)/.exec(selected)![1]!);
  const fetched = await first.command('d', 'FETCH 1:* (UID MODSEQ)');
  assert.equal(fetched.match(/MODSEQ \(\d+\)/g)?.length, 5);
  first.close();

  // Meanwhile another session flags message 2 and expunges message 4.
  const other = await RawClient.tls(env.servers.ports.imaps!);
  await other.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  await other.command('b', 'SELECT INBOX');
  assert.match(await other.command('c', 'UID STORE 2 +FLAGS.SILENT (\\Flagged)'), /^c OK/m);
  await other.command('d', 'UID STORE 4 +FLAGS.SILENT (\\Deleted)');
  assert.match(await other.command('e', 'UID EXPUNGE 4'), /\* 4 EXPUNGE/);
  other.close();

  const back = await RawClient.tls(env.servers.ports.imaps!);
  await back.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  await back.command('b', 'ENABLE QRESYNC');
  const resync = await back.command('c', `SELECT INBOX (QRESYNC (${validity} ${modseq} 1:5))`);
  assert.match(resync, /\* VANISHED \(EARLIER\) 4\r\n/);
  assert.match(resync, /\* \d+ FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)/);
  assert.doesNotMatch(resync, /UID (1|3|5) FLAGS/);
  const changed = await back.command('d', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq} VANISHED)`);
  assert.match(changed, /\* VANISHED \(EARLIER\) 4\r\n/);
  assert.match(changed, /UID 2 FLAGS \(\\Flagged\) MODSEQ/);
  // UNCHANGEDSINCE older than the message's MODSEQ fails for it alone.
  assert.match(
    await back.command('e', `UID STORE 2,3 (UNCHANGEDSINCE ${modseq}) +FLAGS (\\Seen)`),
    /^e OK \[MODIFIED 2\]/m,
  );
  // With QRESYNC on, an expunge is reported as VANISHED.
  await back.command('f', 'UID STORE 5 +FLAGS.SILENT (\\Deleted)');
  assert.match(await back.command('g', 'EXPUNGE'), /\* VANISHED 5\r\n/);
  back.close();
});
