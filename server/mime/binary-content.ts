// The binary form of a part (RFC 3516 BINARY, RFC 5524 URLFETCH BINARY): a leaf's transfer
// encoding undone; for a multipart or message/rfc822, every base64 or quoted-printable leaf under
// it decoded with its header saying "Content-Transfer-Encoding: binary" (as Dovecot answers), the
// rest kept byte for byte. BODYPARTSTRUCTURE with BINARY reports the sizes of that form.
import { countLines } from './headers';
import { decodeTransferEncoding } from './search-text';
import { isMessagePart, type BodyPart } from './structure';

const DECODED = new Set(['base64', 'quoted-printable']);
const CTE_LINE = /^content-transfer-encoding[ \t]*:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/im;

function isLeaf(part: BodyPart): boolean {
  return !part.parts && !(isMessagePart(part) && part.body);
}

function decodes(part: BodyPart): boolean {
  return isLeaf(part) && DECODED.has(part.encoding.trim().toLowerCase());
}

/** A part's header, its Content-Transfer-Encoding turned to binary when its body is decoded. */
function binaryHeader(raw: Buffer, part: BodyPart): Buffer {
  const header = raw.subarray(part.headerStart, part.bodyStart);
  if (!decodes(part)) return header;
  return Buffer.from(
    header.toString('latin1').replace(CTE_LINE, 'Content-Transfer-Encoding: binary'),
    'latin1',
  );
}

/** The body of a part in binary form. */
export function binaryBody(raw: Buffer, part: BodyPart): Buffer {
  const body = raw.subarray(part.bodyStart, part.bodyEnd);
  if (isLeaf(part)) return decodes(part) ? decodeTransferEncoding(body, part.encoding.trim()) : body;
  const children = part.parts ?? [part.body!];
  const pieces: Buffer[] = [];
  let at = part.bodyStart;
  for (const child of children) {
    pieces.push(
      raw.subarray(at, Math.max(at, child.headerStart)),
      binaryHeader(raw, child),
      binaryBody(raw, child),
    );
    at = Math.max(at, child.bodyEnd);
  }
  pieces.push(raw.subarray(at, Math.max(at, part.bodyEnd)));
  return Buffer.concat(pieces);
}

/** A whole message (BINARY[]) in binary form, header included. */
export function binaryMessage(raw: Buffer, root: BodyPart): Buffer {
  return Buffer.concat([binaryHeader(raw, root), binaryBody(raw, root)]);
}

/** The structure with each part's size and line count taken from its binary form (as Dovecot does). */
export function binaryStructure(raw: Buffer, part: BodyPart): BodyPart {
  const body = binaryBody(raw, part);
  return {
    ...part,
    size: body.length,
    lines: part.lines === undefined ? undefined : countLines(body, 0, body.length),
    parts: part.parts?.map((child) => binaryStructure(raw, child)),
    body: part.body && binaryStructure(raw, part.body),
  };
}
