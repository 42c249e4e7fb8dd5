// Throws a few hundred thousand mutated commands at the streaming reader and the tokenizer: every
// one must end in a parsed command or a ParseError/CommandTooBigError, never a crash or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CommandReader,
  CommandTooBigError,
  DEFAULT_LIMITS,
  parseCommand,
  ParseError,
  parseSequenceSet,
  type ParserLimits,
} from '../../server/imap/parser';

const SEEDS = [
  'a1 LOGIN "alice@example.org" "secret"',
  'a2 SELECT INBOX (CONDSTORE)',
  'a3 UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (From To Subject)]<0.1024>)',
  'a4 APPEND Drafts (\\Seen \\Draft) "23-Nov-2026 10:00:00 +0000" {12+}\r\nHello world!',
  'a5 SEARCH CHARSET UTF-8 OR (FROM "bob" SINCE 1-Jan-2026) NOT (BODY {4+}\r\ntext LARGER 100) UID 1:5,7',
  'a6 STORE 1,3:5 +FLAGS.SILENT (\\Deleted $Junk) (UNCHANGEDSINCE 42)',
  'a7 LIST (SUBSCRIBED) "" ("INBOX" "Sent*") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))',
  'a8 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==',
  'a9 ID ("name" "client" "version" NIL)',
  'b1 UID MOVE 4294967295:1 "Archive/2026"',
];

const ALPHABET = Buffer.from(' ()[]{}<>"\\*%+~:.,0123456789\r\n\x00\x7f\xff\xc3aZ');

function mutate(seed: Buffer, random: () => number): Buffer {
  const bytes = [...seed];
  const edits = 1 + Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (bytes.length + 1));
    const pick = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    const op = Math.floor(random() * 6);
    if (op === 0) bytes.splice(at, 1);
    else if (op === 1) bytes.splice(at, 0, pick);
    else if (op === 2) bytes[at] = pick;
    else if (op === 3) {
      // Mostly small sizes; sometimes a number of 11 to 40 digits, beyond any limit or integer.
      const size =
        random() < 0.9 ? `${Math.floor(random() * 300)}` : '9'.repeat(11 + Math.floor(random() * 30));
      bytes.splice(at, 0, ...Buffer.from(`{${size}${random() < 0.5 ? '+' : ''}}\r\n`));
    } else if (op === 4)
      bytes.splice(at, 0, ...Array(Math.floor(random() * 40)).fill(random() < 0.5 ? 0x28 : 0x29));
    else bytes.splice(at, Math.floor(random() * 10), ...bytes.slice(0, Math.floor(random() * 20)));
  }
  return Buffer.from(bytes);
}

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function drain(
  stream: Buffer,
  random: () => number,
  limits: ParserLimits,
): Promise<{ parsed: number; rejected: number }> {
  const reader = new CommandReader({ pause() {}, resume() {} }, limits, () => {});
  for (let at = 0; at < stream.length; ) {
    const size = 1 + Math.floor(random() * 700);
    reader.push(stream.subarray(at, at + size));
    at += size;
  }
  reader.end();
  let parsed = 0;
  let rejected = 0;
  for (;;) {
    let raw;
    try {
      raw = await reader.readCommand();
    } catch (error) {
      assert.ok(error instanceof CommandTooBigError, String(error));
      rejected++;
      // With closeConnection the session says BYE here; reading on checks the reader still never
      // crashes or hangs on whatever follows.
      continue;
    }
    if (raw === null) return { parsed, rejected };
    try {
      const command = parseCommand(raw, limits);
      // Exercise sequence-set parsing on whatever came through as the first argument.
      const first = command.tokens[0];
      if (first?.kind === 'atom') {
        try {
          parseSequenceSet(first.value);
        } catch (error) {
          assert.ok(error instanceof ParseError);
        }
      }
      parsed++;
    } catch (error) {
      assert.ok(error instanceof ParseError, String(error));
      rejected++;
    }
  }
}

test('300,000 mutated commands: no crash, no hang, bounded memory', async () => {
  const random = prng(20261123);
  const seeds = SEEDS.map((seed) => Buffer.from(seed + '\r\n'));
  const limits: ParserLimits = {
    ...DEFAULT_LIMITS,
    maxLineBytes: 4096,
    maxOtherLiteral: 200,
    maxAppendLiteral: 250,
  };
  const heapBefore = process.memoryUsage().heapUsed;
  let parsed = 0;
  let rejected = 0;
  const total = 300_000;
  const batch = 500;
  for (let done = 0; done < total; done += batch) {
    const parts: Buffer[] = [];
    for (let i = 0; i < batch; i++) parts.push(mutate(seeds[Math.floor(random() * seeds.length)]!, random));
    const result = await drain(Buffer.concat(parts), random, limits);
    parsed += result.parsed;
    rejected += result.rejected;
  }
  global.gc?.();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(parsed > 10_000, `some commands still parse (${parsed})`);
  assert.ok(rejected > 10_000, `many are rejected (${rejected})`);
  assert.ok(growth < 64 * 1024 * 1024, `heap grew ${growth} bytes`);
});

test('hostile shapes: deep nesting, huge literal announcements, endless lines', async () => {
  const limits = DEFAULT_LIMITS;
  const deep = Buffer.from(`a FETCH 1 ${'('.repeat(100_000)}\r\n`);
  const hugeLiteral = Buffer.from('b APPEND INBOX {4294967295}\r\nc NOOP\r\n');
  const manyTokens = Buffer.from(`d SEARCH ${'A '.repeat(25_000)}\r\n`);
  const random = prng(7);
  const result = await drain(Buffer.concat([deep, hugeLiteral, manyTokens]), random, limits);
  assert.equal(result.parsed, 1); // only "c NOOP"
  assert.equal(result.rejected, 3);
});

test('literal announcements of any length: refused over the limit, never read as text', async () => {
  const readerOf = (text: string) => {
    const continuations: string[] = [];
    const reader = new CommandReader({ pause() {}, resume() {} }, DEFAULT_LIMITS, () =>
      continuations.push('+'),
    );
    reader.push(Buffer.from(text, 'latin1'));
    reader.end();
    return { reader, continuations };
  };
  const huge = '9'.repeat(23);

  // Synchronising: NO [TOOBIG] without a continuation; the next line is the next command.
  const sync = readerOf(`x APPEND INBOX {${huge}}\r\ny NOOP\r\n`);
  await assert.rejects(
    sync.reader.readCommand(),
    (error: unknown) => error instanceof CommandTooBigError && error.tooBig && !error.closeConnection,
  );
  assert.equal(sync.continuations.length, 0);
  const next = await sync.reader.readCommand();
  assert.equal(next && parseCommand(next, DEFAULT_LIMITS).name, 'NOOP');

  // LITERAL+ the reader cannot skip: the connection is to close, and nothing after it is a command.
  for (const announced of [huge, `${DEFAULT_LIMITS.maxAppendLiteral + 1}`]) {
    const nonSync = readerOf(`x APPEND INBOX {${announced}+}\r\ny NOOP\r\n`);
    await assert.rejects(
      nonSync.reader.readCommand(),
      (error: unknown) => error instanceof CommandTooBigError && error.tag === 'x' && error.closeConnection,
    );
  }

  // Leading zeros do not make a literal big (number = 1*DIGIT).
  const zeros = readerOf(`z LOGIN {${'0'.repeat(30)}5}\r\nalice {6}\r\nsecret\r\n`);
  const login = await zeros.reader.readCommand();
  assert.ok(login);
  assert.deepEqual(
    parseCommand(login, DEFAULT_LIMITS).tokens.map(
      (token) => token.kind === 'string' && token.value.toString(),
    ),
    ['alice', 'secret'],
  );
  assert.equal(zeros.continuations.length, 2);

  // A literal8 announcement of any length is a literal too.
  const binary = readerOf(`b APPEND INBOX ~{${huge}}\r\n`);
  await assert.rejects(binary.reader.readCommand(), CommandTooBigError);
});
