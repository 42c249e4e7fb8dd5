// RFC 5173: the body test's views of a (capped) body: :raw, :content <types> and :text.
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import libqp from 'libqp';
import { type HeaderField, parseHeaderBlock } from './headers';
import { decodeHeaderBytes } from './message';

interface Part {
  /** Lower-case type/subtype; 'application/octet-stream' when the header's type is malformed. */
  type: string;
  headers: HeaderField[];
  /** The header section as written (for message/rfc822 parts' :content view). */
  headerText: string;
  body: Buffer;
  /** Multiparts: the text before the first and after the last boundary. */
  prologue?: string;
  epilogue?: string;
}

const MAX_PARTS = 200;
const MAX_DEPTH = 10;
const TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;
const KNOWN_ENCODINGS = new Set(['', '7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

function contentType(
  fields: HeaderField[],
  parentType: string,
): { type: string; params: Record<string, string> } {
  const field = fields.find((f) => f.key === 'content-type');
  const fallback = parentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
  if (!field) return { type: fallback, params: {} };
  const parsed = libmime.parseHeaderValue(field.raw);
  const type = (parsed.value || '').trim().toLowerCase();
  return {
    type: TYPE.test(type) ? type : 'application/octet-stream',
    params: parsed.params as Record<string, string>,
  };
}

function splitHead(raw: Buffer): { headers: HeaderField[]; headerText: string; body: Buffer } {
  const take = (end: number, bodyStart: number) => {
    const headerText = decodeHeaderBytes(raw.subarray(0, end));
    return { headers: parseHeaderBlock(headerText), headerText, body: raw.subarray(bodyStart) };
  };
  if (raw[0] === 0x0a) return take(0, 1);
  if (raw[0] === 0x0d && raw[1] === 0x0a) return take(0, 2);
  let at = raw.indexOf(0x0a);
  while (at >= 0) {
    if (raw[at + 1] === 0x0a) return take(at + 1, at + 2);
    if (raw[at + 1] === 0x0d && raw[at + 2] === 0x0a) return take(at + 1, at + 3);
    at = raw.indexOf(0x0a, at + 1);
  }
  return take(raw.length, raw.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** All parts in order, containers included (multipart and message/rfc822 walked into). */
function collectParts(
  head: { headers: HeaderField[]; headerText: string; body: Buffer },
  parentType: string,
  out: Part[],
  depth: number,
): void {
  if (out.length >= MAX_PARTS) return;
  const { type, params } = contentType(head.headers, parentType);
  const part: Part = { type, headers: head.headers, headerText: head.headerText, body: head.body };
  out.push(part);
  if (depth >= MAX_DEPTH) return;
  if (type.startsWith('multipart/') && params.boundary) {
    const text = head.body.toString('latin1');
    const delimiter = new RegExp(
      `(?:^|\\r?\\n)--${escapeRegExp(params.boundary)}(--)?[ \\t]*(?:\\r?\\n|$)`,
      'g',
    );
    const pieces: string[] = [];
    let last = 0;
    let closed = false;
    for (const match of text.matchAll(delimiter)) {
      pieces.push(text.slice(last, match.index));
      last = (match.index ?? 0) + match[0].length;
      if (match[1]) {
        closed = true;
        break;
      }
    }
    pieces.push(text.slice(last));
    part.prologue = pieces[0];
    part.epilogue = closed ? pieces[pieces.length - 1] : '';
    const inner = pieces.slice(1, closed ? -1 : undefined);
    for (const piece of inner) collectParts(splitHead(Buffer.from(piece, 'latin1')), type, out, depth + 1);
  } else if (type === 'message/rfc822') {
    collectParts(splitHead(head.body), type, out, depth + 1);
  }
}

/** The part's content as text, or null when its transfer encoding is unknown. */
function decodePart(part: Part): string | null {
  const encoding =
    part.headers
      .find((f) => f.key === 'content-transfer-encoding')
      ?.raw.trim()
      .toLowerCase() ?? '';
  if (!KNOWN_ENCODINGS.has(encoding)) return null;
  let bytes = part.body;
  if (encoding === 'base64')
    bytes = Buffer.from(bytes.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = libqp.decode(bytes.toString('latin1'));
  const ct = part.headers.find((f) => f.key === 'content-type');
  const charset = ct
    ? (libmime.parseHeaderValue(ct.raw).params as Record<string, string>).charset
    : undefined;
  try {
    return decodeCharset(bytes, charset || 'utf-8');
  } catch {
    return bytes.toString('latin1');
  }
}

/** Crude but safe HTML to text for :text: tags dropped, entities for the common characters. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&amp;/gi, '&');
}

export type BodyTransform = { kind: 'raw' } | { kind: 'text' } | { kind: 'content'; types: string[] };

const isHtml = (type: string) => type === 'text/html' || type === 'application/xhtml+xml';

/** RFC 5173 5.2: "" is every type, "type" any subtype, "type/sub" exactly; malformed ones nothing. */
function typeMatches(wanted: string, type: string): boolean {
  if (wanted === '') return true;
  if (wanted.startsWith('/') || wanted.endsWith('/') || wanted.split('/').length > 2) return false;
  return wanted.includes('/') ? wanted === type : wanted === type.split('/')[0];
}

/** The texts a body test compares against its keys; empty when the message has no body at all. */
export function bodyTexts(
  messageHeaders: HeaderField[],
  body: Buffer | null,
  transform: BodyTransform,
): string[] {
  if (body === null) return [];
  if (transform.kind === 'raw') return [decodeHeaderBytes(body)];
  const parts: Part[] = [];
  collectParts({ headers: messageHeaders, headerText: '', body }, '', parts, 0);
  const texts: string[] = [];
  if (transform.kind === 'text') {
    for (const part of parts) {
      if (!part.type.startsWith('text/') && !isHtml(part.type)) continue;
      const text = decodePart(part);
      if (text !== null) texts.push(isHtml(part.type) ? htmlToText(text) : text);
    }
    return texts;
  }
  const wanted = transform.types.map((t) => t.toLowerCase());
  for (const part of parts) {
    if (!wanted.some((t) => typeMatches(t, part.type))) continue;
    // RFC 5173 5.2: a multipart contributes its prologue and epilogue, a message/rfc822 its header.
    if (part.type.startsWith('multipart/')) {
      texts.push(part.prologue ?? '', part.epilogue ?? '');
    } else if (part.type === 'message/rfc822') {
      texts.push(splitHead(part.body).headerText);
    } else {
      const text = decodePart(part);
      if (text !== null) texts.push(text);
    }
  }
  return texts;
}
