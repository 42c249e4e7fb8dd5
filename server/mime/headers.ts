// Header blocks read straight from the raw bytes (RFC 5322 section 2.2). Everything works on
// 'latin1' strings so that one character is one byte and offsets stay byte offsets.
import { BufferBytes, type MessageBytes } from './bytes';

export interface HeaderLine {
  /** Lower-case field name. */
  key: string;
  /** Unfolded value, trimmed; each fold (CRLF and its whitespace) becomes one space, as Dovecot does. */
  value: string;
}

/**
 * Byte length of the header block that starts at `start`, including the blank line that ends it.
 * A header block with no blank line runs to the end; a block that starts with a blank line is just
 * that line (an empty header).
 */
export function headerLength(raw: Buffer, start = 0, end = raw.length): number {
  return headerLengthOf(new BufferBytes(raw), start, end);
}

/** headerLength over a Buffer or a file (bytes.ts). */
export function headerLengthOf(raw: MessageBytes, start = 0, end = raw.length): number {
  if (start >= end) return 0;
  if (raw.byteAt(start) === 0x0a) return 1;
  if (raw.byteAt(start) === 0x0d && raw.byteAt(start + 1) === 0x0a) return 2;
  let pos = start;
  while (pos < end) {
    const lf = raw.indexOf(0x0a, pos);
    if (lf < 0 || lf >= end) return end - start;
    const next = lf + 1;
    if (next >= end) return end - start;
    if (raw.byteAt(next) === 0x0a) return next + 1 - start;
    if (raw.byteAt(next) === 0x0d && raw.byteAt(next + 1) === 0x0a && next + 1 < end) return next + 2 - start;
    pos = next;
  }
  return end - start;
}

/** Splits a header block (as a latin1 string) into unfolded fields; lines without a colon are skipped. */
export function parseHeaderLines(header: string): HeaderLine[] {
  const lines: HeaderLine[] = [];
  for (const line of header.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!key || /\s/.test(key)) continue;
    lines.push({
      key,
      value: line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]*/g, ' ')
        .trim(),
    });
  }
  return lines;
}

/** The fields of a header block, for first-match lookups by lower-case name. */
export class HeaderFields {
  readonly lines: HeaderLine[];
  constructor(headerLatin1: string) {
    this.lines = parseHeaderLines(headerLatin1);
  }
  first(key: string): string | undefined {
    for (const line of this.lines) if (line.key === key) return line.value;
    return undefined;
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A latin1 string of raw header bytes as text: UTF-8 when the bytes are valid UTF-8 (RFC 6532),
 * otherwise the bytes as latin1 (so nothing is lost to replacement characters).
 */
export function headerText(latin1: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(latin1)) return latin1;
  try {
    return utf8Decoder.decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return latin1;
  }
}

/** Number of LF characters in raw[start, end): IMAP's body-fld-lines (as Dovecot counts them). */
export function countLines(raw: Buffer | MessageBytes, start: number, end: number): number {
  if (!Buffer.isBuffer(raw)) return raw.countByte(0x0a, start, end);
  let lines = 0;
  let pos = raw.indexOf(0x0a, start);
  while (pos >= 0 && pos < end) {
    lines++;
    pos = raw.indexOf(0x0a, pos + 1);
  }
  return lines;
}
