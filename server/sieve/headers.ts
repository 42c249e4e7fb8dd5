// The message's header fields as the tests see them: unfolded, RFC 2047-decoded on demand, and
// editable by editheader (RFC 5293) so later tests see the edits.
import libmime from 'libmime';

export interface HeaderField {
  /** Lower-case name. */
  key: string;
  /** The name as written. */
  name: string;
  /** Unfolded raw value, leading whitespace removed. */
  raw: string;
  decoded?: string;
  /** The addresses in the value, parsed once (address tests run many times per message). */
  addresses?: string[];
}

/** RFC 5322 2.2: printable US-ASCII except ":" (and no space). */
export function validFieldName(name: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]{1,997}$/.test(name);
}

/**
 * RFC 5293 6: headers a script may not add or delete. Received and Auto-Submitted carry the
 * message's trace and loop protection; the others are Postroom's own delivery metadata.
 */
const PROTECTED = new Set(['received', 'auto-submitted', 'return-path', 'delivered-to']);
export function isProtectedHeader(name: string): boolean {
  return PROTECTED.has(name.toLowerCase());
}

export function parseHeaderBlock(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of block.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!name || /\s/.test(name)) continue;
    fields.push({
      key: name.toLowerCase(),
      name,
      raw: line
        .slice(colon + 1)
        .replace(/\r?\n/g, '')
        .replace(/^[ \t]+/, '')
        .replace(/[ \t]+$/, ''),
    });
  }
  return fields;
}

export function decodedValue(field: HeaderField): string {
  if (field.decoded === undefined) {
    field.decoded = field.raw.includes('=?') ? safeDecodeWords(field.raw) : field.raw;
  }
  return field.decoded;
}

function safeDecodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** A header value to store: non-ASCII text becomes RFC 2047 encoded-words. */
export function encodeHeaderValue(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? libmime.encodeWords(value, 'Q', 52) : value;
}
