// RFC 3516 section 4.4: APPEND may bring binary content in a literal8 (~{n}), parts marked
// "Content-Transfer-Encoding: binary" that hold NULs and bare line breaks. Mail is stored and
// served as RFC 5322 text, so such parts are re-encoded as base64 (as Dovecot does): BODY[n]
// then sends valid 7-bit text, and BINARY[n] decodes back to the very bytes the client sent.
import { isMessagePart, parsePart, type BodyPart } from './structure';

const CTE_LINE = /^content-transfer-encoding[ \t]*:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/im;

interface Edit {
  start: number;
  end: number;
  bytes: Buffer;
}

function base64Lines(body: Buffer): string {
  const encoded = body.toString('base64');
  const lines: string[] = [];
  // RFC 2045 section 6.8: encoded lines of at most 76 characters.
  for (let i = 0; i < encoded.length; i += 76) lines.push(encoded.slice(i, i + 76));
  return lines.join('\r\n');
}

function collect(raw: Buffer, part: BodyPart, edits: Edit[]): void {
  if (part.parts) {
    for (const child of part.parts) collect(raw, child, edits);
    return;
  }
  if (isMessagePart(part) && part.body) {
    collect(raw, part.body, edits);
    return;
  }
  if (part.encoding.trim().toLowerCase() !== 'binary') return;
  const header = raw
    .toString('latin1', part.headerStart, part.bodyStart)
    .replace(CTE_LINE, 'Content-Transfer-Encoding: base64');
  const body = base64Lines(raw.subarray(part.bodyStart, part.bodyEnd));
  edits.push({ start: part.headerStart, end: part.bodyEnd, bytes: Buffer.from(header + body, 'latin1') });
}

/** The message with every binary-encoded leaf part re-encoded as base64; the same Buffer when none is. */
export function encodeBinaryParts(raw: Buffer): Buffer {
  const edits: Edit[] = [];
  collect(raw, parsePart(raw), edits);
  if (edits.length === 0) return raw;
  const pieces: Buffer[] = [];
  let at = 0;
  for (const edit of edits) {
    pieces.push(raw.subarray(at, edit.start), edit.bytes);
    at = edit.end;
  }
  pieces.push(raw.subarray(at));
  return Buffer.concat(pieces);
}
