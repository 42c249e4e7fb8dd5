// BODY[section]<partial> (RFC 3501 section 6.4.5, RFC 9051 section 6.4.5), sliced from the raw
// message with the byte offsets kept in the cached body structure: no re-parsing at FETCH time.
import { isMessagePart, isMultipart, type BodyPart } from './structure';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface SectionSpec {
  /** Part numbers, e.g. [1, 2] for "1.2"; empty for the whole message. */
  part: number[];
  text?: SectionText;
  /** Upper-cased field names of HEADER.FIELDS / HEADER.FIELDS.NOT. */
  fields?: string[];
}

/**
 * Parses what stands between the brackets of BODY[...]: "", "HEADER", "1.2", "2.MIME",
 * "1.HEADER.FIELDS (From Subject)". Returns null for anything RFC 3501 does not allow
 * (the caller answers BAD), including MIME without a part number.
 */
export function parseSectionSpec(spec: string): SectionSpec | null {
  const match =
    /^((?:[1-9]\d{0,9})(?:\.[1-9]\d{0,9})*)?(?:(?:^|\.)(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)(?:\s+\(([^()]*)\))?)?$/i.exec(
      spec.trim(),
    );
  if (!match) return null;
  const part = match[1] ? match[1].split('.').map(Number) : [];
  if (part.some((n) => n > 0xffffffff)) return null;
  const text = match[2]?.toUpperCase() as SectionText | undefined;
  if (!text) return match[3] === undefined ? { part } : null;
  if (text === 'MIME' && part.length === 0) return null;
  const wantsFields = text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT';
  if (wantsFields !== (match[3] !== undefined)) return null;
  if (!wantsFields) return { part, text };
  const fields = match[3]
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((name) => name.replace(/^"(.*)"$/, '$1').toUpperCase());
  if (fields.length === 0 || fields.some((name) => !/^[\x21-\x39\x3b-\x7e]+$/.test(name))) return null;
  return { part, text, fields };
}

/** The section as a client expects to see it echoed: "1.HEADER.FIELDS (FROM SUBJECT)". */
export function formatSectionSpec(spec: SectionSpec): string {
  const parts = spec.part.join('.');
  if (!spec.text) return parts;
  const fields = spec.fields ? ` (${spec.fields.join(' ')})` : '';
  return `${parts ? `${parts}.` : ''}${spec.text}${fields}`;
}

/**
 * The body part a section number names. Part 1 of a non-multipart is that part itself; numbers
 * after a message/rfc822 part address the parts of the encapsulated message (RFC 3501 6.4.5).
 * Returns null when the part does not exist.
 */
export function resolveSectionPart(root: BodyPart, path: number[]): BodyPart | null {
  let current = root;
  // "1" may name a non-multipart part itself only once (1.1 of a single-part message is nothing,
  // as Dovecot answers).
  let selfStepped = false;
  for (let i = 0; i < path.length; i++) {
    if (i > 0 && isMessagePart(current) && current.body) {
      current = current.body;
      selfStepped = false;
    }
    const n = path[i];
    if (isMultipart(current)) {
      const child = current.parts?.[n - 1];
      if (!child) return null;
      current = child;
      selfStepped = false;
    } else if (n !== 1 || selfStepped) {
      return null;
    } else {
      selfStepped = true;
    }
  }
  return current;
}

/** Raw header fields of a header block, each with its folded continuation lines and line break. */
function splitRawFields(header: Buffer): { name: string; bytes: Buffer }[] {
  const fields: { name: string; bytes: Buffer }[] = [];
  const text = header.toString('latin1', 0, header.length);
  let start = 0;
  while (start < text.length) {
    let end = start;
    do {
      const lf = text.indexOf('\n', end);
      end = lf < 0 ? text.length : lf + 1;
    } while (end < text.length && (text[end] === ' ' || text[end] === '\t'));
    const line = text.slice(start, end);
    const colon = line.indexOf(':');
    if (colon > 0 && line.trim())
      fields.push({ name: line.slice(0, colon).trim().toUpperCase(), bytes: header.subarray(start, end) });
    start = end;
  }
  return fields;
}

function filterHeader(header: Buffer, names: string[], keep: boolean): Buffer {
  const wanted = new Set(names);
  const chosen = splitRawFields(header)
    .filter((field) => wanted.has(field.name) === keep)
    .map((field) => field.bytes);
  // Each kept field ends with its line break (a last one without gets CRLF); the blank line ends the block.
  const withBreaks = chosen.map((bytes) =>
    bytes[bytes.length - 1] === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\r\n')]),
  );
  return Buffer.concat([...withBreaks, Buffer.from('\r\n')]);
}

function sliceSection(raw: Buffer, root: BodyPart, spec: SectionSpec): Buffer {
  const empty = Buffer.alloc(0);
  const part = resolveSectionPart(root, spec.part);
  if (!part) return empty;
  if (!spec.text) return spec.part.length === 0 ? raw : raw.subarray(part.bodyStart, part.bodyEnd);
  if (spec.text === 'MIME') return raw.subarray(part.headerStart, part.bodyStart);
  // HEADER, HEADER.FIELDS[.NOT], TEXT: of the top message, or of an encapsulated message/rfc822.
  const message = spec.part.length === 0 ? part : isMessagePart(part) ? part.body : undefined;
  if (!message) return empty;
  const header = raw.subarray(message.headerStart, message.bodyStart);
  if (spec.text === 'TEXT') return raw.subarray(message.bodyStart, message.bodyEnd);
  if (spec.text === 'HEADER') return header;
  return filterHeader(header, spec.fields ?? [], spec.text === 'HEADER.FIELDS');
}

/**
 * The bytes of BODY[section]<start.count>. `section` is the text between the brackets or an
 * already parsed spec; throws RangeError for an invalid section (answer BAD). A part that does
 * not exist yields an empty buffer, as Dovecot answers.
 */
export function extractSection(
  raw: Buffer,
  bodyStructure: BodyPart,
  section: string | SectionSpec,
  partial?: { start: number; length?: number },
): Buffer {
  const spec = typeof section === 'string' ? parseSectionSpec(section) : section;
  if (!spec) throw new RangeError(`invalid section "${String(section)}"`);
  const bytes = sliceSection(raw, bodyStructure, spec);
  if (!partial) return bytes;
  if (partial.start >= bytes.length) return Buffer.alloc(0);
  return bytes.subarray(
    partial.start,
    partial.length === undefined ? undefined : partial.start + partial.length,
  );
}
