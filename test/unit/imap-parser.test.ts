import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CommandReader,
  CommandTooBigError,
  DEFAULT_LIMITS,
  parseCommand,
  ParseError,
  parseSequenceSet,
  selectUidIndexes,
  selectSeqIndexes,
  formatSequence,
  type Token,
  type RawCommand,
} from '../../server/imap/parser';

function readerFor(chunks: (string | Buffer)[], limits = DEFAULT_LIMITS) {
  const continuations: number[] = [];
  const reader = new CommandReader({ pause() {}, resume() {} }, limits, () => continuations.push(1));
  for (const chunk of chunks) reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'utf8'));
  reader.end();
  return { reader, continuations };
}

function plain(token: Token): unknown {
  if (token.kind === 'atom') return token.value;
  if (token.kind === 'string') return { s: token.value.toString('utf8'), literal: token.literal };
  return token.items.map(plain);
}

async function parseOne(text: string) {
  const { reader, continuations } = readerFor([text]);
  const raw = (await reader.readCommand()) as RawCommand;
  const parsed = parseCommand(raw, DEFAULT_LIMITS);
  return { parsed, tokens: parsed.tokens.map(plain), continuations };
}

test('atoms, quoted strings with escapes and nested lists', async () => {
  const { parsed, tokens } = await parseOne('a1 login "al\\"ice" "p\\\\w d"\r\n');
  assert.equal(parsed.tag, 'a1');
  assert.equal(parsed.name, 'LOGIN');
  assert.deepEqual(tokens, [
    { s: 'al"ice', literal: false },
    { s: 'p\\w d', literal: false },
  ]);
  const nested = await parseOne(
    't FETCH 1:* (FLAGS (A (B C)) BODY.PEEK[HEADER.FIELDS (From To)]<0.100>)\r\n',
  );
  assert.deepEqual(nested.tokens, [
    '1:*',
    ['FLAGS', ['A', ['B', 'C']], 'BODY.PEEK[HEADER.FIELDS (From To)]<0.100>'],
  ]);
});

test('synchronising literals ask for a continuation; LITERAL+ does not', async () => {
  const { reader, continuations } = readerFor([
    'a APPEND INBOX (\\Seen) {5}\r\n',
    'hello',
    ' {3+}\r\nxyz\r\n',
    'b NOOP\r\n',
  ]);
  const raw = (await reader.readCommand()) as RawCommand;
  const parsed = parseCommand(raw, DEFAULT_LIMITS);
  assert.deepEqual(parsed.tokens.map(plain), [
    'INBOX',
    ['\\Seen'],
    { s: 'hello', literal: true },
    { s: 'xyz', literal: true },
  ]);
  assert.equal(continuations.length, 1);
  const next = parseCommand((await reader.readCommand()) as RawCommand, DEFAULT_LIMITS);
  assert.equal(next.name, 'NOOP');
  assert.equal(await reader.readCommand(), null);
});

test('literal bytes are opaque: CRLF and parentheses inside a literal are data', async () => {
  const { tokens } = await parseOne('a LOGIN {6+}\r\n(a\r\n)" {2+}\r\n\r\n\r\n');
  assert.deepEqual(tokens, [
    { s: '(a\r\n)"', literal: true },
    { s: '\r\n', literal: true },
  ]);
});

test('an over-limit synchronising literal is refused before any of it is sent', async () => {
  const limits = { ...DEFAULT_LIMITS, maxAppendLiteral: 10 };
  const { reader, continuations } = readerFor(['x APPEND INBOX {11}\r\n', 'y NOOP\r\n'], limits);
  await assert.rejects(
    reader.readCommand(),
    (error: unknown) => error instanceof CommandTooBigError && error.tag === 'x' && error.tooBig,
  );
  assert.equal(continuations.length, 0);
  const next = parseCommand((await reader.readCommand()) as RawCommand, limits);
  assert.equal(next.tag, 'y');
});

test('an over-limit LITERAL+ is skipped without being kept, and the session goes on', async () => {
  const limits = { ...DEFAULT_LIMITS, maxOtherLiteral: 4 };
  const { reader } = readerFor(
    ['x LOGIN {20+}\r\n', '01234567890123456789', ' {2+}\r\nab\r\n', 'y NOOP\r\n'],
    limits,
  );
  await assert.rejects(reader.readCommand(), CommandTooBigError);
  assert.equal(parseCommand((await reader.readCommand()) as RawCommand, limits).tag, 'y');
});

test('an over-long line is discarded through its end and reported with its tag', async () => {
  const limits = { ...DEFAULT_LIMITS, maxLineBytes: 100 };
  const { reader } = readerFor(['t1 NOOP ' + 'x'.repeat(5000), 'y'.repeat(5000) + '\r\nt2 NOOP\r\n'], limits);
  await assert.rejects(
    reader.readCommand(),
    (error: unknown) => error instanceof CommandTooBigError && error.tag === 't1',
  );
  assert.equal(parseCommand((await reader.readCommand()) as RawCommand, limits).tag, 't2');
});

test('syntax errors are ParseErrors, never crashes', async () => {
  for (const bad of [
    'a X ((((((((((((((((((((((((a))))))))))))))))))))))))',
    'a X "unterminated',
    'a X (a',
    'a X a)',
    'a X "bad\\q"',
    'a X BODY[HEADER',
    '"q" NOOP',
    'a 1BAD',
  ]) {
    const { reader } = readerFor([bad + '\r\n']);
    const raw = (await reader.readCommand()) as RawCommand;
    assert.throws(() => parseCommand(raw, DEFAULT_LIMITS), ParseError, bad);
  }
});

test('sequence sets stay ranges and resolve against UIDs and sequence numbers', () => {
  const huge = parseSequenceSet('1:4294967295');
  assert.deepEqual(huge, [{ from: 1, to: 4294967295 }]);
  const uids = [3, 5, 9, 10, 200];
  assert.deepEqual(selectUidIndexes(huge, uids), [0, 1, 2, 3, 4]);
  assert.deepEqual(selectUidIndexes(parseSequenceSet('4:9,*'), uids), [1, 2, 4]);
  assert.deepEqual(selectUidIndexes(parseSequenceSet('300:*'), uids), [4]); // RFC 9051 6.4.8: n:* with n > max is *
  assert.deepEqual(selectSeqIndexes(parseSequenceSet('2,4:*'), 5), [1, 3, 4]);
  assert.equal(selectSeqIndexes(parseSequenceSet('1:4294967295'), 5), null);
  assert.throws(() => parseSequenceSet('0'), ParseError);
  assert.throws(() => parseSequenceSet('1:4294967296'), ParseError);
  assert.equal(formatSequence([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
});
