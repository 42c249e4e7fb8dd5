// RFC 5228 section 8.1: the lexical tokens of a Sieve script, each with its line and column.

export type TokenKind =
  | 'identifier'
  | 'tag'
  | 'number'
  | 'string'
  | '['
  | ']'
  | '('
  | ')'
  | '{'
  | '}'
  | ','
  | ';'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** identifier/tag name (lower-cased), string contents, or the punctuation itself. */
  text: string;
  /** number value with its K/M/G quantifier applied. */
  value?: number;
  line: number;
  column: number;
}

export class SieveSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const PUNCTUATION = new Set(['[', ']', '(', ')', '{', '}', ',', ';']);
const QUANTIFIERS: Record<string, number> = { k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 };
/** Numbers are unsigned 64-bit as in Pigeonhole (kept as doubles: sizes never need the last bits). */
const MAX_NUMBER = (1n << 64n) - 1n;
/** Longer identifiers are refused: no command, test or tag is anywhere near this long. */
const MAX_IDENTIFIER = 32;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (message: string, at = pos): never => {
    throw new SieveSyntaxError(message, line, at - lineStart + 1);
  };
  const newline = (at: number) => {
    line++;
    lineStart = at + 1;
  };

  while (pos < source.length) {
    const ch = source[pos];
    if (ch === '\n') {
      newline(pos);
      pos++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      pos++;
      continue;
    }
    const column = pos - lineStart + 1;
    if (ch === '#') {
      while (pos < source.length && source[pos] !== '\n') pos++;
      continue;
    }
    if (ch === '/' && source[pos + 1] === '*') {
      const end = source.indexOf('*/', pos + 2);
      if (end < 0) fail('unterminated comment');
      for (let i = pos; i < end; i++) if (source[i] === '\n') newline(i);
      pos = end + 2;
      continue;
    }
    if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, line, column });
      pos++;
      continue;
    }
    if (ch === '"') {
      const startLine = line;
      let text = '';
      pos++;
      for (;;) {
        if (pos >= source.length) throw new SieveSyntaxError('unterminated string', startLine, column);
        const c = source[pos];
        if (c === '"') break;
        if (c === '\\') {
          // RFC 5228 2.4.2: "\" before any character stands for that character.
          pos++;
          if (pos >= source.length) continue;
          if (source[pos] === '\n') newline(pos);
          text += source[pos++];
          continue;
        }
        if (c === '\n') newline(pos);
        text += c;
        pos++;
      }
      pos++;
      tokens.push({ kind: 'string', text: text.replace(/\r?\n/g, '\r\n'), line: startLine, column });
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const match = /^[0-9]+([KkMmGg])?/.exec(source.slice(pos)) as RegExpExecArray;
      let big = BigInt(match[0].replace(/[KkMmGg]$/, ''));
      if (match[1]) big *= BigInt(QUANTIFIERS[match[1].toLowerCase()]);
      if (big > MAX_NUMBER) fail('number too large');
      const value = Number(big);
      pos += match[0].length;
      if (pos < source.length && /[A-Za-z_]/.test(source[pos])) fail('bad number');
      tokens.push({ kind: 'number', text: match[0], value, line, column });
      continue;
    }
    if (ch === ':' || /[A-Za-z_]/.test(ch)) {
      const start = ch === ':' ? pos + 1 : pos;
      let end = start;
      while (end < source.length && /[A-Za-z0-9_]/.test(source[end])) end++;
      if (end === start || /[0-9]/.test(source[start])) fail('bad tag');
      const name = source.slice(start, end);
      if (name.length > MAX_IDENTIFIER) fail(`${ch === ':' ? 'tag' : 'identifier'} too long`);
      // RFC 5228 2.4.2: text: multi-line string up to a line holding only ".".
      if (ch !== ':' && name.toLowerCase() === 'text' && source[end] === ':') {
        tokens.push({ kind: 'string', text: readMultiline(end + 1), line, column });
        continue;
      }
      tokens.push({ kind: ch === ':' ? 'tag' : 'identifier', text: name.toLowerCase(), line, column });
      pos = end;
      continue;
    }
    fail(`unexpected character '${ch}'`);
  }
  tokens.push({ kind: 'eof', text: '', line, column: pos - lineStart + 1 });
  return tokens;

  function readMultiline(from: number): string {
    let p = from;
    // Whitespace and an optional hash comment may follow "text:" before the line break.
    while (p < source.length && (source[p] === ' ' || source[p] === '\t')) p++;
    if (source[p] === '#') while (p < source.length && source[p] !== '\n') p++;
    if (source[p] === '\r') p++;
    if (source[p] !== '\n') fail('text: must be followed by a line break', p);
    newline(p);
    p++;
    const lines: string[] = [];
    for (;;) {
      if (p >= source.length) fail('unterminated multi-line string', p);
      let eol = source.indexOf('\n', p);
      if (eol < 0) eol = source.length;
      let text = source.slice(p, eol);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (eol < source.length) newline(eol);
      p = eol + 1;
      if (text === '.') break;
      // Dot-stuffing: a leading ".." stands for ".".
      lines.push(text.startsWith('..') ? text.slice(1) : text);
    }
    pos = p;
    return lines.map((l) => `${l}\r\n`).join('');
  }
}
