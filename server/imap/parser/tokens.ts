// Turns one command (its text lines and the literals between them) into tokens, following the
// RFC 9051 section 9 grammar loosely enough for real clients: atoms, quoted strings, literals,
// nested lists, and FETCH section specs like BODY[HEADER.FIELDS (From To)]<0.100> kept as one atom.
import type { ParserLimits } from './limits';
import type { SpooledLiteral } from './reader';

export type Token =
  | { kind: 'atom'; value: string }
  | { kind: 'string'; value: Buffer; literal: boolean; spooled?: SpooledLiteral }
  | { kind: 'list'; items: Token[] };

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

const SP = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x28;
const CLOSE = 0x29;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const SECTION_PREFIX = /^(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)$/i;
/** Digits beyond this many can only announce a literal larger than any limit (2^53 has 16). */
const MAX_EXACT_DIGITS = 15;

export interface LiteralMarker {
  /** Announced size; Infinity when the number has too many digits to be exact (always over a limit). */
  size: number;
  /** LITERAL+ / LITERAL- `{n+}` (RFC 7888): the client sends the bytes without waiting for "+". */
  nonSync: boolean;
  /** literal8 `~{n}` (RFC 3516). */
  binary: boolean;
  markerLength: number;
}

/**
 * The literal announced at the end of a line, if any. The number may have any count of digits
 * (RFC 9051 section 9: number = 1*DIGIT): reading only a tail would take `{99999999999999999999}`
 * for text and the literal's bytes for commands.
 */
export function literalAnnouncement(line: Buffer): LiteralMarker | null {
  let at = line.length - 1;
  if (at < 2 || line[at] !== 0x7d) return null;
  at--;
  const nonSync = line[at] === 0x2b; // "+"
  if (nonSync) at--;
  const digitsEnd = at + 1;
  while (at >= 0 && line[at]! >= 0x30 && line[at]! <= 0x39) at--;
  const digits = digitsEnd - (at + 1);
  if (digits === 0 || at < 0 || line[at] !== 0x7b) return null; // "{"
  const binary = at > 0 && line[at - 1] === 0x7e; // "~"
  const start = binary ? at - 1 : at;
  const text = line
    .subarray(at + 1, digitsEnd)
    .toString('latin1')
    .replace(/^0+(?=\d)/, '');
  return {
    size: text.length > MAX_EXACT_DIGITS ? Number.POSITIVE_INFINITY : Number(text),
    nonSync,
    binary,
    markerLength: line.length - start,
  };
}

function isAtomEnd(byte: number): boolean {
  return byte === SP || byte === OPEN || byte === CLOSE || byte === QUOTE;
}

/**
 * Tokenises `segments[0] literal[0] segments[1] literal[1] ... segments[n]`. Each segment but the
 * last ends with its literal marker ({n}, {n+} or ~{n}).
 */
export function tokenize(
  segments: Buffer[],
  literals: Buffer[],
  limits: Pick<ParserLimits, 'maxDepth' | 'maxTokens'>,
  /** Literals received to a file (reader.ts), by index: their `literals` entry is empty. */
  spooled?: Map<number, SpooledLiteral>,
): Token[] {
  if (segments.length !== literals.length + 1) throw new ParseError('literal count mismatch');
  const root: Token[] = [];
  const stack: Token[][] = [root];
  let tokens = 0;
  const push = (token: Token) => {
    if (++tokens > limits.maxTokens) throw new ParseError('too many tokens');
    stack[stack.length - 1]!.push(token);
  };
  for (let s = 0; s < segments.length; s++) {
    const line = segments[s]!;
    const marker = s < literals.length ? literalAnnouncement(line) : null;
    if (s < literals.length && !marker) throw new ParseError('missing literal marker');
    const end = marker ? line.length - marker.markerLength : line.length;
    let i = 0;
    while (i < end) {
      const byte = line[i]!;
      if (byte === SP) {
        i++;
      } else if (byte === OPEN) {
        if (stack.length > limits.maxDepth) throw new ParseError('lists nested too deeply');
        const list: Token = { kind: 'list', items: [] };
        push(list);
        stack.push(list.items);
        i++;
      } else if (byte === CLOSE) {
        if (stack.length === 1) throw new ParseError('unbalanced parenthesis');
        stack.pop();
        i++;
      } else if (byte === QUOTE) {
        const bytes: number[] = [];
        i++;
        for (;;) {
          if (i >= end) throw new ParseError('unterminated quoted string');
          const c = line[i]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH) {
            const next = line[i + 1];
            if (next !== QUOTE && next !== BACKSLASH) throw new ParseError('bad escape in quoted string');
            bytes.push(next);
            i += 2;
          } else {
            if (c < 0x20 || c === 0x7f) throw new ParseError('control character in quoted string');
            bytes.push(c);
            i++;
          }
        }
        i++;
        push({ kind: 'string', value: Buffer.from(bytes), literal: false });
      } else {
        const start = i;
        let inBracket = false;
        while (i < end) {
          const c = line[i]!;
          if (c < 0x20 || c === 0x7f) throw new ParseError('control character in atom');
          if (inBracket) {
            if (c === RBRACKET) inBracket = false;
          } else if (c === LBRACKET && SECTION_PREFIX.test(line.subarray(start, i).toString('latin1'))) {
            // FETCH section: BODY[HEADER.FIELDS (A B)] keeps its spaces and parentheses.
            inBracket = true;
          } else if (isAtomEnd(c)) {
            break;
          }
          i++;
        }
        if (inBracket) throw new ParseError('unterminated [');
        if (i === start) throw new ParseError('unexpected character');
        push({ kind: 'atom', value: line.subarray(start, i).toString('utf8') });
      }
    }
    if (marker) {
      if (end > 0 && line[end - 1] !== SP && line[end - 1] !== OPEN)
        throw new ParseError('literal must follow a space');
      const file = spooled?.get(s);
      push(
        file
          ? { kind: 'string', value: literals[s]!, literal: true, spooled: file }
          : { kind: 'string', value: literals[s]!, literal: true },
      );
    }
  }
  if (stack.length !== 1) throw new ParseError('unbalanced parenthesis');
  return root;
}

/** The tag of a command line, best effort, so even a malformed command gets a tagged BAD. */
export function extractTag(line: Buffer): string | null {
  const head = line.subarray(0, 128).toString('latin1');
  const match = /^([\x21\x23\x24\x26\x27\x2c-\x5b\x5d-\x7a\x7c-\x7e]+)(?: |$)/.exec(head);
  return match ? match[1]! : null;
}
