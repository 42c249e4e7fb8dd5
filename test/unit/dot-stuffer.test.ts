// Dot-stuffing chunk by chunk (RFC 5321 4.5.2) gives what stuffing the whole message gives,
// however the message is cut: a dot after a line break that ended the previous chunk, a CRLF split
// across chunks, a message without a final line break.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DotStuffer, dotStuff } from '../../server/queue/smtp-session';

function byChunks(message: Buffer, cuts: number[]): Buffer {
  const stuffer = new DotStuffer();
  const out: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, message.length]) {
    out.push(stuffer.push(message.subarray(start, cut)));
    start = cut;
  }
  out.push(stuffer.end());
  return Buffer.concat(out);
}

test('known cases', () => {
  assert.equal(dotStuff(Buffer.from('.a\r\nb\r\n.\r\n')).toString(), '..a\r\nb\r\n..\r\n');
  assert.equal(dotStuff(Buffer.from('no end')).toString(), 'no end\r\n');
  assert.equal(dotStuff(Buffer.alloc(0)).toString(), '');
  assert.equal(byChunks(Buffer.from('a\r\n.b\r\n'), [3]).toString(), 'a\r\n..b\r\n');
  assert.equal(byChunks(Buffer.from('a\r\n'), [2]).toString(), 'a\r\n', 'a CRLF split across chunks ends it');
  assert.equal(byChunks(Buffer.from('a.b\r'), [1, 2]).toString(), 'a.b\r\r\n');
});

test('any cutting of random messages stuffs as the whole does', () => {
  const alphabet = Buffer.from('.\r\na.');
  for (let round = 0; round < 500; round++) {
    const length = Math.floor(Math.random() * 40);
    const message = Buffer.from(
      Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]!),
    );
    const cuts = [...new Set(Array.from({ length: 4 }, () => Math.floor(Math.random() * (length + 1))))].sort(
      (a, b) => a - b,
    );
    const whole = Buffer.from(message.toString('latin1').replace(/(^|\n)\./g, '$1..'), 'latin1');
    const expected =
      length && !whole.subarray(-2).equals(Buffer.from('\r\n'))
        ? Buffer.concat([whole, Buffer.from('\r\n')])
        : whole;
    assert.deepEqual(
      byChunks(message, cuts),
      expected,
      JSON.stringify({ message: message.toString(), cuts }),
    );
  }
});
