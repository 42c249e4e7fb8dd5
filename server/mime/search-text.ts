// Decoded content of body parts: BINARY[section] (RFC 3516) needs the transfer encoding undone,
// SEARCH BODY/TEXT (RFC 3501 section 6.4.4) needs plain text in Unicode to match against.
import libqp from 'libqp';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import { decodeWords } from './envelope';
import { isMessagePart, type BodyPart } from './structure';

/** Undoes a Content-Transfer-Encoding (RFC 2045 section 6); unknown encodings pass through. */
export function decodeTransferEncoding(content: Buffer, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(content.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return libqp.decode(content.toString('latin1'));
    default:
      return content;
  }
}

/** The decoded body of one leaf part (what BINARY[section] returns). */
export function decodedPartBody(raw: Buffer, part: BodyPart): Buffer {
  return decodeTransferEncoding(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
}

function charsetOf(part: BodyPart): string {
  const key = Object.keys(part.params).find((name) => name.toLowerCase() === 'charset');
  return key ? part.params[key] : 'us-ascii';
}

/** Text of an HTML part for searching: no tags, scripts or styles, entities for the common cases. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Math.min(Number(code), 0x10ffff)))
    .replace(/&amp;/gi, '&');
}

/** A text/* part's content as a Unicode string, transfer encoding and charset undone. */
export function partText(raw: Buffer, part: BodyPart): string {
  const bytes = decodedPartBody(raw, part);
  let text: string;
  try {
    text = decodeCharset(bytes, charsetOf(part));
  } catch {
    text = bytes.toString('utf8');
  }
  return part.subtype.toLowerCase() === 'html' ? htmlToText(text) : text;
}

/**
 * The searchable text of a message body: every text/plain and text/html part (HTML without
 * markup), and for attached messages their decoded Subject/From/To as well. At most `maxChars`.
 */
export function extractSearchText(raw: Buffer, bodyStructure: BodyPart, maxChars = 1_000_000): string {
  const chunks: string[] = [];
  let total = 0;
  const visit = (part: BodyPart, depth: number) => {
    if (total >= maxChars || depth > 64) return;
    if (part.parts) {
      for (const child of part.parts) visit(child, depth + 1);
    } else if (isMessagePart(part) && part.body) {
      const env = part.envelope;
      if (env)
        chunks.push(
          decodeWords(env.subject),
          ...[env.from, env.to].flatMap((list) =>
            (list ?? []).map((a) => `${decodeWords(a.name)} ${a.mailbox ?? ''}@${a.host ?? ''}`),
          ),
        );
      visit(part.body, depth + 1);
    } else if (part.type.toLowerCase() === 'text') {
      const text = partText(raw, part);
      chunks.push(text);
      total += text.length;
    }
  };
  visit(bodyStructure, 0);
  return chunks.join('\n').slice(0, maxChars);
}
