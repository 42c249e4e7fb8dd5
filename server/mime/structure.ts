// The MIME tree of a message (RFC 2045, RFC 2046), built in one pass over the raw bytes with byte
// offsets for every part, so IMAP sections are sliced from the stored content without parsing it
// again. Sizes and line counts follow Dovecot's reading of the grammar: a part's body ends before
// the line break that precedes the next delimiter (RFC 2046 section 5.1.1), except that a nested
// multipart's close-delimiter line keeps its own line break.
import { BufferBytes, type MessageBytes } from './bytes';
import { HeaderFields, countLines, headerLengthOf, headerText } from './headers';
import { buildEnvelope, type Envelope } from './envelope';
import { decodedParam, parseParamHeader, type ParamValue } from './params';

export interface BodyPart {
  /** Media type and subtype as written in the header ("text", "plain" when defaulted). */
  type: string;
  subtype: string;
  /** Content-Type parameters, names as written, RFC 2231 continuations merged. */
  params: Record<string, string>;
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding as written, "7bit" when absent. */
  encoding: string;
  /** Body size in bytes (body-fld-octets). */
  size: number;
  /** LF count of the body, for text/* and message/rfc822 (body-fld-lines). */
  lines?: number;
  md5?: string | null;
  disposition?: { type: string; params: Record<string, string> } | null;
  language?: string[] | null;
  location?: string | null;
  /** Children of a multipart (always at least one). */
  parts?: BodyPart[];
  /** Envelope and root body part of an encapsulated message/rfc822. */
  envelope?: Envelope;
  body?: BodyPart;
  /** Decoded file name (Content-Disposition filename or Content-Type name), for display. */
  filename?: string | null;
  /** Byte offsets of this part's header and body inside the whole message. */
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
}

const MAX_DEPTH = 64;
/** Parts per message, as Dovecot caps them: beyond it the rest of a multipart is its epilogue. */
export const MAX_PARTS = 10_000;

interface Budget {
  parts: number;
}

function lowerType(part: Pick<BodyPart, 'type' | 'subtype'>): string {
  return `${part.type}/${part.subtype}`.toLowerCase();
}

export function isMultipart(part: BodyPart): boolean {
  return part.type.toLowerCase() === 'multipart';
}

/** message/rfc822 parts carry an envelope and a body of their own (RFC 3501 body-type-msg). */
export function isMessagePart(part: BodyPart): boolean {
  return lowerType(part) === 'message/rfc822';
}

function toRecord(params: [string, string][]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of params) if (!Object.hasOwn(record, name)) record[name] = headerText(value);
  return record;
}

function contentType(
  fields: HeaderFields,
  defaultType: string,
): { type: string; subtype: string; params: [string, string][] } {
  const header = fields.first('content-type');
  const parsed: ParamValue | null = header ? parseParamHeader(header) : null;
  const match = parsed ? /^([^\s/]+)\s*\/\s*([^\s/]+)$/.exec(parsed.value) : null;
  if (parsed && match) {
    // A text part without a charset reports the RFC 2045 default, after its other parameters
    // (as Dovecot does).
    const missingCharset =
      match[1].toLowerCase() === 'text' && !parsed.params.some(([name]) => name.toLowerCase() === 'charset');
    return {
      type: match[1],
      subtype: match[2],
      params: missingCharset ? [...parsed.params, ['charset', 'us-ascii']] : parsed.params,
    };
  }
  const [type, subtype] = defaultType.split('/');
  return { type, subtype, params: defaultType === 'text/plain' ? [['charset', 'us-ascii']] : [] };
}

interface Delimiter {
  /** Which boundary matched: an index into the stack the scan was given (0 = innermost). */
  level: number;
  /** Where the delimiter line starts. */
  at: number;
  /** Where the line break before the delimiter starts (the end of the previous part). */
  breakStart: number;
  /** Just after the delimiter line's own line break. */
  lineEnd: number;
  close: boolean;
}

const LF_DASH_DASH = Buffer.from('\n--', 'latin1');

/**
 * Finds the next delimiter line of any boundary in `stack` at or after `from`. RFC 2046 section
 * 5.1.1: a line that starts with "--" and the boundary is a delimiter (the rest of the line need
 * not match); the innermost boundary is tried first, as Dovecot does. The line break before the
 * delimiter belongs to it, but never reaches back before `floor`. Lines starting at `limit` or
 * later are not looked at.
 */
function nextDelimiter(
  raw: MessageBytes,
  from: number,
  floor: number,
  stack: Buffer[],
  limit = raw.length,
): Delimiter | null {
  if (stack.length === 0) return null;
  let at = from === 0 || raw.byteAt(from - 1) === 0x0a ? from : -1;
  if (at < 0 || raw.byteAt(at) !== 0x2d || raw.byteAt(at + 1) !== 0x2d) {
    const found = raw.indexOf(LF_DASH_DASH, Math.max(from - 1, 0));
    at = found < 0 ? -1 : found + 1;
  }
  while (at >= 0 && at < limit) {
    for (let level = 0; level < stack.length; level++) {
      const marker = stack[level];
      const markerEnd = at + 2 + marker.length;
      if (markerEnd > raw.length || !raw.startsWithAt(marker, at + 2)) continue;
      const close = raw.byteAt(markerEnd) === 0x2d && raw.byteAt(markerEnd + 1) === 0x2d;
      const lf = raw.indexOf(0x0a, markerEnd);
      let breakStart = at;
      if (at > floor && raw.byteAt(at - 1) === 0x0a)
        breakStart = at - 2 >= floor && raw.byteAt(at - 2) === 0x0d ? at - 2 : at - 1;
      return { level, at, breakStart, lineEnd: lf < 0 ? raw.length : lf + 1, close };
    }
    const found = raw.indexOf(LF_DASH_DASH, at);
    at = found < 0 ? -1 : found + 1;
  }
  return null;
}

/** An empty text/plain part, for a multipart with no parts (RFC 3501 needs at least one). */
function emptyPart(offset: number): BodyPart {
  return {
    type: 'text',
    subtype: 'plain',
    params: { charset: 'us-ascii' },
    id: null,
    description: null,
    encoding: '7bit',
    size: 0,
    lines: 0,
    headerStart: offset,
    bodyStart: offset,
    bodyEnd: offset,
  };
}

function languageList(value: string | undefined): string[] | null {
  if (!value) return null;
  const list = value.split(/[\s,]+/).filter(Boolean);
  return list.length ? list : null;
}

/** A delimiter found with the stack one level deeper, as seen by the enclosing part. */
function outer(delimiter: Delimiter | null): Delimiter | null {
  return delimiter && { ...delimiter, level: delimiter.level - 1 };
}

/**
 * The parts of a multipart body and where the body ends: after the close-delimiter line and its
 * epilogue, or at a delimiter of an enclosing multipart if the close-delimiter is missing.
 */
function parseMultipartBody(
  raw: MessageBytes,
  bodyStart: number,
  boundary: string,
  stack: Buffer[],
  digest: boolean,
  depth: number,
  budget: Budget,
): { parts: BodyPart[]; bodyEnd: number; next: Delimiter | null } {
  const inner = [Buffer.from(boundary, 'latin1'), ...stack];
  const parts: BodyPart[] = [];
  let delimiter = nextDelimiter(raw, bodyStart, bodyStart, inner);
  while (delimiter && delimiter.level === 0 && !delimiter.close) {
    if (--budget.parts < 0) {
      const next = nextDelimiter(raw, delimiter.lineEnd, delimiter.lineEnd, stack);
      return { parts, bodyEnd: next ? Math.max(next.breakStart, delimiter.lineEnd) : raw.length, next };
    }
    const child = parseAt(
      raw,
      delimiter.lineEnd,
      inner,
      digest ? 'message/rfc822' : 'text/plain',
      depth + 1,
      budget,
    );
    parts.push(child.part);
    delimiter = child.next;
  }
  if (delimiter && delimiter.level === 0) {
    // Closed: the epilogue runs to the enclosing delimiter. The close-delimiter line keeps its own
    // line break even when that is also the one before the enclosing delimiter (as Dovecot counts).
    const next = nextDelimiter(raw, delimiter.lineEnd, delimiter.lineEnd, stack);
    return { parts, bodyEnd: next ? Math.max(next.breakStart, delimiter.lineEnd) : raw.length, next };
  }
  return {
    parts,
    bodyEnd: delimiter ? Math.max(delimiter.breakStart, bodyStart) : raw.length,
    next: outer(delimiter),
  };
}

/**
 * Parses the part whose header starts at `start`; it ends at the next delimiter of `stack` (the
 * boundaries of the enclosing multiparts, innermost first) or at the end of the message.
 */
function parseAt(
  raw: MessageBytes,
  start: number,
  stack: Buffer[],
  defaultType: string,
  depth: number,
  budget: Budget,
): { part: BodyPart; next: Delimiter | null } {
  // A delimiter inside what looks like the header ends the part there: the header keeps its last
  // line break and the body is empty (as Dovecot reads it).
  let bodyStart = start + headerLengthOf(raw, start);
  const inHeader = nextDelimiter(raw, start, start, stack, bodyStart);
  const interrupted = inHeader !== null;
  if (inHeader) bodyStart = inHeader.at;
  const fields = new HeaderFields(raw.latin1(start, bodyStart));
  const ct = contentType(fields, defaultType);
  const text = (key: string) => {
    const value = fields.first(key);
    return value ? headerText(value) : null;
  };
  const dispositionHeader = fields.first('content-disposition');
  const disposition = dispositionHeader ? parseParamHeader(dispositionHeader) : null;
  const part: BodyPart = {
    type: ct.type,
    subtype: ct.subtype,
    params: toRecord(ct.params),
    id: text('content-id'),
    description: text('content-description'),
    encoding: fields.first('content-transfer-encoding') || '7bit',
    size: 0,
    headerStart: start,
    bodyStart,
    bodyEnd: raw.length,
  };
  // Absent extension fields stay out of the cached JSON (readers treat them as NIL).
  const md5 = text('content-md5');
  if (md5) part.md5 = md5;
  if (disposition && disposition.value)
    part.disposition = { type: disposition.value, params: toRecord(disposition.params) };
  const language = languageList(fields.first('content-language'));
  if (language) part.language = language;
  const location = text('content-location');
  if (location) part.location = location;
  const filename =
    (disposition && decodedParam(disposition.params, 'filename')) || decodedParam(ct.params, 'name');
  if (filename) part.filename = filename;
  const kind = lowerType(part);
  const boundary = ct.params.find(([name]) => name.toLowerCase() === 'boundary')?.[1];
  let next: Delimiter | null;
  if (depth >= MAX_DEPTH && (kind.startsWith('multipart/') || kind === 'message/rfc822')) {
    // Too deep to be honest mail: reported as an opaque part instead of recursing further.
    part.type = 'application';
    part.subtype = 'octet-stream';
    next = nextDelimiter(raw, bodyStart, bodyStart, stack);
    part.bodyEnd = next ? Math.max(next.breakStart, bodyStart) : raw.length;
  } else if (isMultipart(part) && boundary && !interrupted) {
    const body = parseMultipartBody(
      raw,
      bodyStart,
      boundary,
      stack,
      kind === 'multipart/digest',
      depth,
      budget,
    );
    part.parts = body.parts.length ? body.parts : [emptyPart(body.bodyEnd)];
    part.bodyEnd = body.bodyEnd;
    next = body.next;
  } else if (isMessagePart(part)) {
    const inner = parseAt(raw, bodyStart, stack, 'text/plain', depth + 1, budget);
    part.envelope = buildEnvelope(new HeaderFields(raw.latin1(bodyStart, inner.part.bodyStart)));
    part.body = inner.part;
    part.bodyEnd = inner.part.bodyEnd;
    next = inner.next;
  } else {
    next = interrupted ? inHeader : nextDelimiter(raw, bodyStart, bodyStart, stack);
    part.bodyEnd = next ? Math.max(next.breakStart, bodyStart) : raw.length;
    if (isMultipart(part)) part.parts = [emptyPart(part.bodyEnd)];
  }
  part.size = part.bodyEnd - part.bodyStart;
  if (part.type.toLowerCase() === 'text' || isMessagePart(part))
    part.lines = countLines(raw, part.bodyStart, part.bodyEnd);
  return { part, next };
}

/** Parses a whole message (or the encapsulated message starting at `start`) into its MIME tree. */
export function parsePart(raw: Buffer, start = 0): BodyPart {
  return parsePartOf(new BufferBytes(raw), start);
}

/** parsePart over a Buffer or a file read through a window (bytes.ts). */
export function parsePartOf(raw: MessageBytes, start = 0): BodyPart {
  return parseAt(raw, start, [], 'text/plain', 0, { parts: MAX_PARTS }).part;
}

/** True when any part is an attachment: disposition "attachment", a named non-text leaf, or a forwarded message. */
export function hasAttachment(part: BodyPart, top = true): boolean {
  if (part.parts) return part.parts.some((child) => hasAttachment(child, false));
  if (!top && isMessagePart(part)) return true;
  if (part.disposition?.type.toLowerCase() === 'attachment') return true;
  return (
    !!part.filename && part.type.toLowerCase() !== 'text' && part.disposition?.type.toLowerCase() !== 'inline'
  );
}
