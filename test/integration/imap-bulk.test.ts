// Commands over more than a thousand messages at once (past SQLite's bound-parameter limit).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
});

// A command on hundreds of messages gets more than the 5 s a small one gets: the limit is there
// to catch a hang, and on a busy machine (npm test runs its groups at once) 640 copies took longer.
const BULK_MS = 60_000;

test('COPY, STORE, FETCH, SEARCH, MOVE and EXPUNGE of 1,280 messages', async () => {
  const inbox = await findDeliveryFolder(env.userId);
  for (let n = 0; n < 10; n++)
    await appendMessage(raw(`From: bulk${n}@example.net\nSubject: bulk ${n}\n\nbody ${n}\n`), [
      { folderId: inbox },
    ]);
  const client = await RawClient.tls(env.servers.ports.imaps!);
  await client.command('a', `LOGIN alice@example.org "${PASSWORD}"`);
  await client.command('b', 'SELECT INBOX');
  for (let round = 0; round < 7; round++) {
    // The copies land in the selected mailbox, so the COPY answer itself reports them.
    assert.match(
      await client.command(`c${round}`, 'COPY 1:* INBOX', BULK_MS),
      new RegExp(`\\* ${20 << round} EXISTS[\\s\\S]*^c${round} OK \\[COPYUID `, 'm'),
    );
  }
  const stored = await client.command('e', 'STORE 1:* +FLAGS.SILENT (\\Seen $Bulk)', BULK_MS);
  assert.match(stored, /^e OK/m);
  const fetched = await client.command('f', 'UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)', BULK_MS);
  assert.equal(
    fetched.match(/^\* \d+ FETCH \(UID \d+ FLAGS \((\\Recent )?\\Seen \$Bulk\) RFC822\.SIZE \d+ ENVELOPE /gm)
      ?.length,
    1280,
  );
  assert.match(await client.command('g', 'SEARCH RETURN (COUNT) SUBJECT "bulk 3"', BULK_MS), /COUNT 128\b/);
  assert.match(await client.command('h', 'UID MOVE 1:640 Archive', BULK_MS), /^h OK/m);
  assert.match(await client.command('i', 'STATUS Archive (MESSAGES)', BULK_MS), /MESSAGES 640/);
  await client.command('j', 'STORE 1:* +FLAGS.SILENT (\\Deleted)', BULK_MS);
  const expunged = await client.command('k', 'EXPUNGE', BULK_MS);
  assert.equal(expunged.match(/^\* \d+ EXPUNGE/gm)?.length, 640);
  assert.match(await client.command('l', 'STATUS INBOX (MESSAGES)', BULK_MS), /MESSAGES 0/);
  client.close();
});
