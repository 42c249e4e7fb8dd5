// The byte writer behind large FETCH responses, and the UID batches that feed it: what reaches the
// socket must be exactly the text and bytes added, in order, however they straddle blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseWriter } from '../../server/imap/response-writer';
import { uidBatches } from '../../server/store/uid-batches';
import type { ImapSession } from '../../server/imap/session';

function capture(flushBytes: number) {
  const written: Buffer[] = [];
  const session = {
    write: async (data: Buffer) => void written.push(Buffer.from(data)),
  } as unknown as ImapSession;
  return { writer: new ResponseWriter(session, flushBytes), written };
}

test('text, small and large buffers come out byte for byte, in order, across block boundaries', async () => {
  const { writer, written } = capture(1 << 30);
  const expected: Buffer[] = [];
  for (let i = 0; i < 5000; i++) {
    const text = `* ${i} FETCH (UID ${i} ENVELOPE ("Grüße ${'x'.repeat(i % 97)}" `;
    const small = Buffer.from(`small-${i}`.repeat(i % 13));
    const large = i % 500 === 0 ? Buffer.alloc(70_000, i % 256) : Buffer.alloc(0);
    writer.text(text);
    writer.bytes(small);
    writer.bytes(large);
    writer.text(')\r\n');
    expected.push(Buffer.from(text, 'utf8'), small, large, Buffer.from(')\r\n'));
  }
  assert.equal(writer.full, false);
  await writer.flush();
  assert.equal(written.length, 1);
  assert.ok(Buffer.concat(written).equals(Buffer.concat(expected)));
});

test('full turns true at the flush size and a flush hands everything over and starts again', async () => {
  const { writer, written } = capture(1000);
  writer.text('a'.repeat(999));
  assert.equal(writer.full, false);
  writer.bytes(Buffer.from('b'));
  assert.equal(writer.full, true);
  await writer.flush();
  assert.equal(writer.full, false);
  assert.equal(Buffer.concat(written).toString(), `${'a'.repeat(999)}b`);
  await writer.flush(); // nothing held: nothing written
  assert.equal(written.length, 1);
});

test('UID batches: gaps and duplicates are honoured, a gapless run answers by range', () => {
  const [dense] = uidBatches([3, 1, 2, 4, 2]);
  assert.deepEqual([dense!.first, dense!.last], [1, 4]);
  assert.ok([1, 2, 3, 4].every((uid) => dense!.uids.has(uid)));
  assert.ok(!dense!.uids.has(0) && !dense!.uids.has(5));
  // A duplicate must not make a run with a gap look gapless.
  const [gappy] = uidBatches([1, 1, 3]);
  assert.deepEqual([gappy!.first, gappy!.last], [1, 3]);
  assert.ok(gappy!.uids.has(1) && gappy!.uids.has(3) && !gappy!.uids.has(2));
  assert.equal(uidBatches([1, 10_000], 10).length, 2);
});
