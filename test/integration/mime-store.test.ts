// Parse-once at delivery, end to end through the store: the cached ENVELOPE and BODYSTRUCTURE of
// big messages (many parts, many recipients) fit the columns on both databases, and sections cut
// with the cached offsets from the stored blob equal what the message holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { appendMessage, findDeliveryFolder, readBlob } from '../../server/store';
import { db } from '../../server/core/db';
import {
  extractSection,
  formatBodyStructure,
  formatEnvelope,
  type BodyPart,
  type Envelope,
} from '../../server/mime';

let testDb: TestDatabase;
let inbox: number;
before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.test');
  const user = await addMailbox({ address: 'mime@example.test', password: 'Mime-pw-12345!' });
  inbox = await findDeliveryFolder(user.id);
});
after(async () => {
  await testDb.cleanup();
});

test('a message with 1,000 attachments and 3,000 recipients is stored and read back whole', async () => {
  const recipients = Array.from(
    { length: 3000 },
    (_, i) => `"Recipient Number ${i}" <recipient-${i}@example.test>`,
  ).join(',\r\n ');
  let raw = `From: sender@example.test\r\nTo: ${recipients}\r\nSubject: many parts\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n`;
  for (let i = 0; i < 1000; i++) {
    raw += `--x\r\nContent-Type: application/octet-stream; name="file-${i}.bin"\r\nContent-Disposition: attachment; filename="file-${i}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n`;
  }
  raw += '--x--\r\n';
  const [stored] = await appendMessage(Buffer.from(raw), [{ folderId: inbox }]);
  const row = await db().message.findUniqueOrThrow({
    where: { folderId_uid: { folderId: stored!.folderId, uid: stored!.uid } },
  });
  const structure = JSON.parse(row.bodyStructure) as BodyPart;
  const envelope = JSON.parse(row.envelope) as Envelope;
  assert.equal(structure.parts?.length, 1000);
  assert.equal(envelope.to?.length, 3000);
  assert.equal(envelope.to?.[2999].mailbox, 'recipient-2999');
  assert.ok(formatBodyStructure(structure, true).endsWith('"mixed" ("boundary" "x") NIL NIL NIL)'));
  assert.ok(
    formatEnvelope(envelope).includes('("Recipient Number 2999" NIL "recipient-2999" "example.test")'),
  );
  assert.equal(row.hasAttachment, true);
  const content = await readBlob(row.blobSha256);
  assert.equal(extractSection(content, structure, '1000').toString(), 'QUJD');
  assert.equal(
    extractSection(content, structure, '1000.MIME').toString().split('\r\n')[0],
    'Content-Type: application/octet-stream; name="file-999.bin"',
  );
});
