// Webmail benchmark (issue 6): opening the first page of a folder must not depend on the folder's
// size. Fills one INBOX with N messages (one appended through the store, the rest cloned rows of
// it, so filling is quick) and a second with 20, then times the webmail's listMessages (SELECT +
// FETCH of one page over IMAP, as the page does) for both, plus a deep page and readMessage.
//   node --import tsx bench/webmail.ts [--messages 100000] [--provider sqlite|mysql]
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const MESSAGES = Number(option('messages', '100000'));
process.env.POSTROOM_TEST_DB = option('provider', process.env.POSTROOM_TEST_DB ?? 'sqlite');
process.env.POSTROOM_LOG = 'silent';

const { createTestDatabase } = await import('../test/helpers/db');
const { addDomain, addMailbox } = await import('../server/domain');
const { appendMessage } = await import('../server/store');
const { db } = await import('../server/core/db');
const { startImapServers } = await import('../server/imap');
const webmail = await import('../server/webmail');

function message(n: number): Buffer {
  return Buffer.from(
    `From: Sender ${n} <s${n}@example.net>\r\nTo: big@bench.test\r\nSubject: Message ${n}\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <m${n}@example.net>\r\nContent-Type: text/plain\r\n\r\nHello ${n}\r\n`,
  );
}

async function fill(userId: number, count: number): Promise<void> {
  const folder = await db().folder.findUniqueOrThrow({ where: { userId_name: { userId, name: 'INBOX' } } });
  await appendMessage(message(1), [{ folderId: folder.id }]);
  const template = await db().message.findFirstOrThrow({ where: { folderId: folder.id } });
  const { id: _id, ...row } = template;
  for (let start = 2; start <= count; start += 2000) {
    const rows = [];
    for (let uid = start; uid < Math.min(count + 1, start + 2000); uid++)
      rows.push({ ...row, uid, modseq: BigInt(uid) });
    await db().message.createMany({ data: rows });
  }
  await db().blob.update({ where: { sha256: template.blobSha256 }, data: { refCount: count } });
  await db().folder.update({
    where: { id: folder.id },
    data: { uidNext: count + 1, highestModseq: BigInt(count + 1) },
  });
}

async function time<T>(label: string, work: () => Promise<T>): Promise<T> {
  const best: number[] = [];
  let result!: T;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    result = await work();
    best.push(performance.now() - started);
  }
  console.log(
    `${label.padEnd(44)} first ${best[0]!.toFixed(1).padStart(7)} ms   best ${Math.min(...best)
      .toFixed(1)
      .padStart(7)} ms`,
  );
  return result;
}

const database = await createTestDatabase();
await addDomain('bench.test');
const big = await addMailbox({ address: 'big@bench.test', password: 'Bench-password-42' });
const small = await addMailbox({ address: 'small@bench.test', password: 'Bench-password-42' });
const filling = performance.now();
await fill(big.id, MESSAGES);
await fill(small.id, 20);
console.log(
  `filled ${MESSAGES} messages in ${((performance.now() - filling) / 1000).toFixed(1)} s (${process.env.POSTROOM_TEST_DB})`,
);
const imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
webmail.setWebmailEndpoints({ host: '127.0.0.1', imapPort: imap.ports.imap });
const bigUser = { id: big.id, address: big.address };
const smallUser = { id: small.id, address: small.address };
await webmail.listFolders(bigUser);
await webmail.listFolders(smallUser);
// Each call re-selects: alternating folders on one connection, so SELECT is part of the figure.
await time(`first page of 20-message INBOX`, async () => {
  await webmail.withMailbox(smallUser, 'Sent', async () => undefined);
  return webmail.listMessages(smallUser, 'INBOX');
});
const page = await time(`first page of ${MESSAGES}-message INBOX`, async () => {
  await webmail.withMailbox(bigUser, 'Sent', async () => undefined);
  return webmail.listMessages(bigUser, 'INBOX');
});
await time(`page 1000 of the ${MESSAGES}-message INBOX`, () =>
  webmail.listMessages(bigUser, 'INBOX', { page: Math.min(1000, Math.floor(MESSAGES / 50) - 1) }),
);
{
  const started = performance.now();
  await webmail.listMessages(bigUser, 'INBOX', { sort: 'subject' });
  console.log(
    `${'sort by subject, big INBOX (first time)'.padEnd(44)} first ${(performance.now() - started).toFixed(1).padStart(7)} ms`,
  );
}
await time(`sort by subject again (order kept)`, () =>
  webmail.listMessages(bigUser, 'INBOX', { sort: 'subject', page: 3 }),
);
await time(`read one message in the big INBOX`, () =>
  webmail.readMessage(bigUser, 'INBOX', page.messages[0]!.uid, { markSeen: false }),
);
console.log(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
await webmail.closeWebmailConnections();
await imap.close();
await database.cleanup();
process.exit(0);
