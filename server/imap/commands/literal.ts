// Message bytes sent as a response literal. RFC 9051 section 4.3: a literal MUST NOT hold NUL; only
// literal8 (`~{n}`, RFC 3516) may, and only a BINARY item may use literal8. Elsewhere each NUL is sent
// as 0x80, as Dovecot does: the length is unchanged, so RFC822.SIZE and the section sizes still match
// the literal the client reads.
import type { ResponseWriter } from '../response-writer';

const NUL = 0x00;
const NUL_STAND_IN = 0x80;

export interface ResponseLiteral {
  /** `{n}\r\n` or `~{n}\r\n`. */
  marker: string;
  bytes: Buffer;
}

/** `binary`: the item is BINARY[...] (RFC 3516), which may carry NUL in a literal8. */
export function responseLiteral(bytes: Buffer, binary: boolean): ResponseLiteral {
  if (!bytes.includes(NUL)) return { marker: `{${bytes.length}}\r\n`, bytes };
  if (binary) return { marker: `~{${bytes.length}}\r\n`, bytes };
  const cleaned = Buffer.from(bytes);
  for (let at = cleaned.indexOf(NUL); at >= 0; at = cleaned.indexOf(NUL, at + 1)) cleaned[at] = NUL_STAND_IN;
  return { marker: `{${cleaned.length}}\r\n`, bytes: cleaned };
}

/** Writes `prefix` (the text before the literal), the literal's marker and its bytes. */
export function writeLiteral(out: ResponseWriter, prefix: string, bytes: Buffer, binary = false): void {
  const literal = responseLiteral(bytes, binary);
  out.text(`${prefix}${literal.marker}`);
  out.bytes(literal.bytes);
}
