// RFC 5173: the body test's views of a (capped) body: :raw, :content <types> and :text.
import libmime from 'libmime';
import libqp from 'libqp';
import { decode as decodeCharset } from 'libmime/lib/charset.js';
import { type HeaderField, parseHeaderBlock } from './headers';
import { decodeHeaderBytes } from './message';

interface Part {
  type: string;
  body: Buffer;
  headers: HeaderField[];
}

const MAX_PARTS = 200;
const MAX_DEPTH = 10;

function contentType(
  fields: HeaderField[],
  parentType: string,
): { type: string; params: Record<string, string> } {
  const field = fields.find((f) => f.key === 'content-type');
  const fallback = parentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
  if (!field) return { type: fallback, params: {} };
  const parsed = libmime.parseHeaderValue(field.raw);
  const type = (parsed.value || fallback).toLowerCase();
  return { type: type.includes('/') ? type : fallback, params: parsed.params as Record<string, string> };
}

function splitHead(raw: Buffer): { headers: HeaderField[]; body: Buffer } {
  if (raw[0] === 0x0a) return { headers: [], body: raw.subarray(1) };
  if (raw[0] === 0x0d && raw[1] === 0x0a) return { headers: [], body: raw.subarray(2) };
  let at = raw.indexOf(0x0a);
  while (at >= 0) {
    if (raw[at + 1] === 0x0a)
      return {
        headers: parseHeaderBlock(decodeHeaderBytes(raw.subarray(0, at + 1))),
        body: raw.subarray(at + 2),
      };
    if (raw[at + 1] === 0x0d && raw[at + 2] === 0x0a) {
      return {
        headers: parseHeaderBlock(decodeHeaderBytes(raw.subarray(0, at + 1))),
        body: raw.subarray(at + 3),
      };
    }
    at = raw.indexOf(0x0a, at + 1);
  }
  return { headers: parseHeaderBlock(decodeHeaderBytes(raw)), body: Buffer.alloc(0) };
}

/** The leaf parts in order (multipart containers and message/rfc822 walked into). */
function collectParts(
  headers: HeaderField[],
  body: Buffer,
  parentType: string,
  out: Part[],
  depth: number,
): void {
  if (out.length >= MAX_PARTS) return;
  const { type, params } = contentType(headers, parentType);
  out.push({ type, body, headers });
  if (depth >= MAX_DEPTH) return;
  if (type.startsWith('multipart/') && params.boundary) {
    const text = body.toString('latin1');
    const delimiter = `--${params.boundary}`;
    const pieces = text.split(
      new RegExp(`(?:^|\\r?\\n)${escapeRegExp(delimiter)}(?:--)?[ \\t]*(?:\\r?\\n|$)`),
    );
    // pieces[0] is the preamble and, after the closing delimiter, the last one is the epilogue.
    const closing = text.lastIndexOf(`${delimiter}--`);
    const inner = pieces.slice(1, closing >= 0 ? -1 : undefined);
    for (const piece of inner) {
      const child = splitHead(Buffer.from(piece, 'latin1'));
      collectParts(child.headers, child.body, type, out, depth + 1);
    }
  } else if (type === 'message/rfc822') {
    const child = splitHead(body);
    collectParts(child.headers, child.body, type, out, depth + 1);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decodePart(part: Part): string {
  const encoding = part.headers
    .find((f) => f.key === 'content-transfer-encoding')
    ?.raw.trim()
    .toLowerCase();
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

/** The texts a body test compares against its keys. */
export function bodyTexts(messageHeaders: HeaderField[], body: Buffer, transform: BodyTransform): string[] {
  if (transform.kind === 'raw') return [decodeHeaderBytes(body)];
  const parts: Part[] = [];
  collectParts(messageHeaders, body, '', parts, 0);
  if (transform.kind === 'text') {
    return parts
      .filter((part) => part.type === 'text/plain' || part.type === 'text/html')
      .map((part) => (part.type === 'text/html' ? htmlToText(decodePart(part)) : decodePart(part)));
  }
  const wanted = transform.types.map((t) => t.toLowerCase());
  const texts: string[] = [];
  for (const part of parts) {
    const [major] = part.type.split('/');
    const hit = wanted.some((t) => t === '' || t === part.type || t === major);
    if (!hit) continue;
    // RFC 5173 5.2: containers are not compared (their children are); message/rfc822 compares its header.
    if (major === 'multipart') continue;
    if (part.type === 'message/rfc822') {
      texts.push(
        splitHead(part.body)
          .headers.map((f) => `${f.name}: ${f.raw}`)
          .join('\r\n'),
      );
      continue;
    }
    texts.push(decodePart(part));
  }
  return texts;
}
