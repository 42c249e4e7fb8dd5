// Nothing grows without bound: unreferenced message files are collected (and a re-append of the
// same content racing the collector never loses it), orphan files are adopted after a grace period,
// events, login failures and the IMAP change feed are pruned, a QRESYNC client older than the kept
// feed gets a full VANISHED (EARLIER) answer, and the dashboard counts only referenced content.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { db } from '../../server/core/db';
import { pruneEvents } from '../../server/core/event-retention';
import { appendMessage, expungeMessages, findDeliveryFolder, readBlob } from '../../server/store';
import { blobPath, sha256 } from '../../server/store/blobs';
import { collectBlobs } from '../../server/store/gc';
import { expungeHistoryFloor, pruneMailChanges } from '../../server/store/change-retention';
import { maintenanceLock, runMaintenance } from '../../server/maintenance';
import { totals } from '../../server/web/stats';

let env: ImapTestEnv;
let inbox: number;

before(async () => {
  env = await startImapTestEnv();
  inbox = await findDeliveryFolder(env.userId);
});
after(async () => env.close());

const message = (subject: string) => raw(`Subject: ${subject}\n\n${subject} body\n`);

test("an expunged message's file goes; one still referenced elsewhere stays", async () => {
  const gone = message('gone');
  const kept = message('kept');
  const [a] = await appendMessage(gone, [{ folderId: inbox }]);
  const [b, c] = await appendMessage(kept, [{ folderId: inbox }, { folderId: inbox }]);
  await expungeMessages(inbox, [a!.uid, b!.uid]);
  const before = await totals();
  assert.equal(before.blobBytes, kept.length, 'the dashboard counts only referenced content');
  const result = await collectBlobs({ orphanGraceMs: 60_000 });
  assert.ok(result.removed >= 1);
  assert.equal(existsSync(blobPath(sha256(gone))), false);
  assert.equal(await db().blob.count({ where: { sha256: sha256(gone) } }), 0);
  assert.equal((await readBlob(sha256(kept))).toString(), kept.toString());
  await expungeMessages(inbox, [c!.uid]);
});

test('re-appending the same content while the collector runs never loses it', async () => {
  for (let round = 0; round < 25; round++) {
    const content = message(`race ${round % 5}`);
    const [first] = await appendMessage(content, [{ folderId: inbox }]);
    await expungeMessages(inbox, [first!.uid]);
    // The blob is unreferenced now; collect it while a new append of identical content goes on.
    const [appended] = await Promise.all([
      appendMessage(content, [{ folderId: inbox }]),
      collectBlobs({ orphanGraceMs: 60_000 }),
      collectBlobs({ orphanGraceMs: 60_000 }),
    ]);
    assert.equal((await readBlob(sha256(content))).toString(), content.toString(), `round ${round}`);
    const row = await db().blob.findUniqueOrThrow({ where: { sha256: sha256(content) } });
    assert.equal(row.refCount, 1);
    await expungeMessages(inbox, [appended[0]!.uid]);
  }
  await collectBlobs({ orphanGraceMs: 60_000 });
  assert.equal(await db().blob.count({ where: { refCount: { lte: 0 } } }), 0);
});

test('files with no row are collected only once older than the grace period', async () => {
  const old = Buffer.from('refused long ago\r\n');
  const young = Buffer.from('being written right now\r\n');
  for (const content of [old, young]) {
    mkdirSync(join(blobPath(sha256(content)), '..'), { recursive: true });
    writeFileSync(blobPath(sha256(content)), content);
  }
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(blobPath(sha256(old)), hourAgo, hourAgo);
  const result = await collectBlobs({ orphanGraceMs: 10 * 60_000 });
  assert.equal(result.adopted, 1);
  assert.equal(existsSync(blobPath(sha256(old))), false);
  assert.equal(existsSync(blobPath(sha256(young))), true);
});

test('events past their retention and login failures past the throttle window are deleted', async () => {
  const now = Date.now();
  await db().event.createMany({
    data: [
      { time: new Date(now - 100 * 86_400_000), protocol: 'smtp', action: 'data', result: 'accepted' },
      { time: new Date(now - 89 * 86_400_000), protocol: 'smtp', action: 'data', result: 'accepted' },
    ],
  });
  await db().authFailure.createMany({
    data: [
      { key: 'addr:203.0.113.9', time: new Date(now - 2 * 86_400_000) },
      { key: 'addr:203.0.113.9', time: new Date(now) },
    ],
  });
  assert.equal(await pruneEvents(90, now), 1);
  assert.equal(await db().event.count({ where: { time: { lt: new Date(now - 95 * 86_400_000) } } }), 0);
  assert.equal(await db().event.count({ where: { time: { lt: new Date(now - 88 * 86_400_000) } } }), 1);
  await runMaintenance({
    eventsRetentionDays: 90,
    mailChangesRetentionDays: 30,
    intervalMs: 3600_000,
    orphanGraceMs: 3600_000,
    minFreeDisk: '',
  });
  assert.equal(await db().authFailure.count({ where: { key: 'addr:203.0.113.9' } }), 1);
});

test('the change feed is pruned; an older QRESYNC gets every absent UID, a newer one only its expunges', async () => {
  const folder = await db().folder.create({
    data: { userId: env.userId, name: 'Resync', uidValidity: 777 },
  });
  const uids: number[] = [];
  for (let i = 0; i < 6; i++)
    uids.push((await appendMessage(message(`r${i}`), [{ folderId: folder.id }]))[0]!.uid);
  const startModseq = (await db().folder.findUniqueOrThrow({ where: { id: folder.id } })).highestModseq;
  await expungeMessages(folder.id, [uids[1]!, uids[2]!]);
  const day = 86_400_000;
  const now = Date.now();
  // A checkpoint 31 days ago that covers every row so far, then a run today: those rows go.
  await pruneMailChanges(30, now - 31 * day);
  const before = await db().mailChange.count({ where: { folderId: folder.id } });
  const pruned = await pruneMailChanges(30, now);
  assert.ok(pruned > 0);
  const left = await db().mailChange.findMany({ where: { folderId: folder.id }, orderBy: { id: 'asc' } });
  assert.ok(left.length < before);
  assert.deepEqual(
    left.map((row) => row.kind),
    ['floor'],
    'only the floor (which is also the newest row, the folder cursor) is left',
  );
  const floor = await expungeHistoryFloor(folder.id);
  assert.ok(floor > startModseq);
  // A later expunge is in the feed again.
  await expungeMessages(folder.id, [uids[4]!]);
  const recent = (await db().folder.findUniqueOrThrow({ where: { id: folder.id } })).highestModseq - 1n;

  const client = await RawClient.tls(env.servers.ports.imaps!);
  try {
    assert.match(await client.command('a', `LOGIN ${env.address} ${PASSWORD}`), /^a OK/m);
    assert.match(await client.command('b', 'ENABLE QRESYNC'), /^b OK/m);
    // From before the floor: the full answer, every UID below UIDNEXT that is not there.
    const old = await client.command('c', `SELECT Resync (QRESYNC (777 ${startModseq}))`);
    assert.match(old, new RegExp(`^\\* VANISHED \\(EARLIER\\) ${uids[1]}:${uids[2]},${uids[4]}\\r$`, 'm'));
    // From after the floor: exactly what the feed holds.
    const fresh = await client.command('d', `SELECT Resync (QRESYNC (777 ${recent}))`);
    assert.match(fresh, new RegExp(`^\\* VANISHED \\(EARLIER\\) ${uids[4]}\\r$`, 'm'));
    // UID FETCH ... (CHANGEDSINCE old VANISHED) gives the full answer within the asked set.
    const fetched = await client.command('e', `UID FETCH 2:5 (FLAGS) (CHANGEDSINCE ${startModseq} VANISHED)`);
    assert.match(
      fetched,
      new RegExp(`^\\* VANISHED \\(EARLIER\\) ${uids[1]}:${uids[2]},${uids[4]}\\r$`, 'm'),
    );
  } finally {
    client.close();
  }
});

test('on MariaDB one worker at a time holds the maintenance lock; another takes over when it goes', async (t) => {
  if (!env.testDb.url) return t.skip('SQLite: one writer, no lock needed');
  const first = maintenanceLock(env.testDb.url);
  const second = maintenanceLock(env.testDb.url);
  try {
    assert.equal(await first.tryHold(), true);
    assert.equal(await first.tryHold(), true, 'kept while the holder lives');
    assert.equal(await second.tryHold(), false);
    await first.release(); // the holder's connection ends, as when its worker dies
    assert.equal(await second.tryHold(), true);
  } finally {
    await first.release();
    await second.release();
  }
});
