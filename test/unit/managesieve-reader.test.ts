// The ManageSieve command reader (server/managesieve/reader.ts) fed byte by byte and in odd chunks:
// literals of both kinds split anywhere, several per command, oversized ones skipped with the
// command refused and the next one read, broken syntax refused, an endless line fatal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandReader, MAX_LINE_BYTES, type ReaderEvent } from '../../server/managesieve/reader';

function feed(input: string | Buffer, chunk: number, maxLiteral = 1000): ReaderEvent[] {
  const reader = new CommandReader(maxLiteral);
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const events: ReaderEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunk) events.push(...reader.push(bytes.subarray(i, i + chunk)));
  return events;
}

const script = 'if true {\r\n  keep;\r\n}\r\n';
const input = `PUTSCRIPT "my \\"script\\"" {${script.length}+}\r\n${script}\r\nHAVESPACE "x" 1234\r\nCHECKSCRIPT {4}\r\nab\r\n\r\n`;

test('commands come out the same whatever the chunking', () => {
  const expected = feed(input, input.length);
  assert.deepEqual(expected, [
    {
      kind: 'command',
      tokens: [
        { kind: 'atom', value: 'PUTSCRIPT' },
        { kind: 'string', value: 'my "script"', literal: false },
        { kind: 'string', value: script, literal: true },
      ],
    },
    {
      kind: 'command',
      tokens: [
        { kind: 'atom', value: 'HAVESPACE' },
        { kind: 'string', value: 'x', literal: false },
        { kind: 'number', value: 1234 },
      ],
    },
    {
      kind: 'command',
      tokens: [
        { kind: 'atom', value: 'CHECKSCRIPT' },
        { kind: 'string', value: 'ab\r\n', literal: true },
      ],
    },
  ]);
  for (const size of [1, 2, 3, 7, 13]) assert.deepEqual(feed(input, size), expected, `chunks of ${size}`);
});

test('UTF-8 split across chunks and in literals survives', () => {
  // Literal sizes count bytes: "# äö\n" is seven.
  const text = 'PUTSCRIPT "Größe" {7+}\r\n# äö\n\r\n';
  const [event] = feed(text, 1);
  assert.equal(event?.kind, 'command');
  assert.deepEqual(event.kind === 'command' && event.tokens.slice(1).map((t) => t.value), [
    'Größe',
    '# äö\n',
  ]);
});

test('an oversized literal is skipped, its command refused, and the next command read', () => {
  const big = 'x'.repeat(5000);
  const events = feed(`PUTSCRIPT "big" {${big.length}+}\r\n${big}\r\nNOOP\r\n`, 100);
  assert.deepEqual(events[0], {
    kind: 'bad',
    code: 'QUOTA/MAXSIZE',
    message: 'Literal larger than 1000 bytes',
  });
  assert.deepEqual(events[1], { kind: 'command', tokens: [{ kind: 'atom', value: 'NOOP' }] });
});

test('broken syntax is refused; an endless line and a giant literal are fatal', () => {
  assert.equal(feed('GETSCRIPT "open\r\n', 5)[0]?.kind, 'bad');
  assert.equal(feed('GETSCRIPT "a\\x"\r\n', 5)[0]?.kind, 'bad');
  assert.equal(feed('NOOP 99999999999\r\n', 5)[0]?.kind, 'bad');
  assert.equal(feed('NOOP @\r\n', 5)[0]?.kind, 'bad');
  assert.deepEqual(feed('x'.repeat(MAX_LINE_BYTES + 10), 4096), [
    { kind: 'fatal', message: 'Line too long' },
  ]);
  assert.deepEqual(feed('PUTSCRIPT "a" {999999999999+}\r\n', 7), [
    { kind: 'fatal', message: 'Literal too large' },
  ]);
});
