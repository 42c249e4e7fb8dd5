// Splits a ManageSieve client's bytes into commands (RFC 5804 section 4): atoms, numbers, quoted
// strings and literals, a literal being "{n+}" (or "{n}", which clients send too) then CRLF and n
// octets, possibly several in one command. Memory is bounded: a line part may be at most
// MAX_LINE_BYTES, a literal at most `maxLiteralBytes` (a larger one is skipped as it arrives and
// the command refused), and one beyond SKIP_LIMIT_BYTES ends the connection.
export const MAX_LINE_BYTES = 16 * 1024;
const SKIP_LIMIT_BYTES = 64 * 1024 * 1024;

export type Token =
  | { kind: 'atom'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string; literal: boolean };

export type ReaderEvent =
  | { kind: 'command'; tokens: Token[] }
  /** The command is refused (and was read to its end); `code` is a response code. */
  | { kind: 'bad'; message: string; code?: string }
  /** The stream cannot be followed any more: answer BYE and close. */
  | { kind: 'fatal'; message: string };

type Part = { kind: 'line'; text: string } | { kind: 'literal'; bytes: Buffer | null };

export class CommandReader {
  private line: Buffer[] = [];
  private lineBytes = 0;
  private parts: Part[] = [];
  private literal: { remaining: number; chunks: Buffer[] | null } | null = null;
  private failed = false;

  constructor(private readonly maxLiteralBytes: number) {}

  /** A command has begun and not yet ended (for the command deadline). */
  get inCommand(): boolean {
    return this.lineBytes > 0 || this.parts.length > 0 || this.literal !== null;
  }

  reset(): void {
    this.line = [];
    this.lineBytes = 0;
    this.parts = [];
    this.literal = null;
  }

  push(chunk: Buffer): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    let offset = 0;
    while (offset < chunk.length && !this.failed) {
      if (this.literal) {
        const take = Math.min(this.literal.remaining, chunk.length - offset);
        this.literal.chunks?.push(chunk.subarray(offset, offset + take));
        this.literal.remaining -= take;
        offset += take;
        if (this.literal.remaining === 0) {
          this.parts.push({
            kind: 'literal',
            bytes: this.literal.chunks ? Buffer.concat(this.literal.chunks) : null,
          });
          this.literal = null;
        }
        continue;
      }
      const lf = chunk.indexOf(0x0a, offset);
      const end = lf < 0 ? chunk.length : lf;
      this.line.push(chunk.subarray(offset, end));
      this.lineBytes += end - offset;
      offset = lf < 0 ? chunk.length : lf + 1;
      if (this.lineBytes > MAX_LINE_BYTES) {
        this.failed = true;
        events.push({ kind: 'fatal', message: 'Line too long' });
        break;
      }
      if (lf < 0) break;
      const event = this.endOfLine();
      if (event) events.push(event);
    }
    return events;
  }

  /** A line part ended: either a literal follows, or the command is complete. */
  private endOfLine(): ReaderEvent | null {
    let text = Buffer.concat(this.line).toString('utf8');
    this.line = [];
    this.lineBytes = 0;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const marker = /\{(\d{1,12})\+?\}$/.exec(text);
    if (marker) {
      const size = Number(marker[1]);
      if (size > SKIP_LIMIT_BYTES) {
        this.failed = true;
        return { kind: 'fatal', message: 'Literal too large' };
      }
      this.parts.push({ kind: 'line', text: text.slice(0, marker.index) });
      this.literal = { remaining: size, chunks: size <= this.maxLiteralBytes ? [] : null };
      if (size === 0) {
        this.parts.push({ kind: 'literal', bytes: Buffer.alloc(0) });
        this.literal = null;
      }
      return null;
    }
    this.parts.push({ kind: 'line', text });
    const parts = this.parts;
    this.parts = [];
    return tokenize(parts, this.maxLiteralBytes);
  }
}

function tokenize(parts: Part[], maxLiteralBytes: number): ReaderEvent {
  const tokens: Token[] = [];
  for (const part of parts) {
    if (part.kind === 'literal') {
      if (!part.bytes)
        return {
          kind: 'bad',
          code: 'QUOTA/MAXSIZE',
          message: `Literal larger than ${maxLiteralBytes} bytes`,
        };
      tokens.push({ kind: 'string', value: part.bytes.toString('utf8'), literal: true });
      continue;
    }
    const error = scanLine(part.text, tokens);
    if (error) return { kind: 'bad', message: error };
  }
  return { kind: 'command', tokens };
}

/** Appends the line's tokens; returns an error message when it is not valid syntax. */
function scanLine(text: string, tokens: Token[]): string | null {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ') {
      i++;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) return 'Unterminated quoted string';
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\') {
          const next = text[i + 1];
          if (next !== '"' && next !== '\\') return 'Invalid escape in quoted string';
          value += next;
          i += 2;
          continue;
        }
        if (d === '\r' || d === '\0') return 'Invalid character in quoted string';
        value += d;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', value, literal: false });
      continue;
    }
    const word = /^[^\s"{}]+/.exec(text.slice(i))?.[0];
    if (!word) return `Unexpected "${c}"`;
    if (/^\d+$/.test(word)) {
      if (word.length > 10 || Number(word) > 4294967295) return 'Number too large';
      tokens.push({ kind: 'number', value: Number(word) });
    } else if (/^[A-Za-z]+$/.test(word)) tokens.push({ kind: 'atom', value: word });
    else return `Unexpected "${word.slice(0, 20)}"`;
    i += word.length;
  }
  return null;
}
