// editheader (RFC 5293) on the stored copy: the edits the script made, applied to the raw header
// block. Fields are kept byte for byte (latin1 strings: one character per byte) except those
// deleted; added fields are RFC 2047-encoded when not ASCII. Trace and loop fields are never
// touched (section 6), whatever the interpreter let through.
import libmime from 'libmime';
import type { HeaderEdit } from '../../sieve';

const PROTECTED = new Set(['received', 'auto-submitted', 'return-path', 'delivered-to']);

interface RawField {
  key: string;
  /** The whole field with its folds and line break. */
  raw: string;
}

function splitFields(header: string): RawField[] {
  const fields: RawField[] = [];
  for (const line of header.split(/(?<=\n)/)) {
    if (line === '\r\n' || line === '\n') continue; // the blank line ending the block
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1]!.raw += line;
    else
      fields.push({
        key: line
          .slice(0, Math.max(0, line.indexOf(':')))
          .trim()
          .toLowerCase(),
        raw: line,
      });
  }
  return fields;
}

function decodedValue(field: RawField): string {
  const value = field.raw
    .slice(field.raw.indexOf(':') + 1)
    .replace(/\r?\n/g, '')
    .trim();
  const text = Buffer.from(value, 'latin1').toString('utf8');
  try {
    return text.includes('=?') ? libmime.decodeWords(text) : text;
  } catch {
    return text;
  }
}

/** i;ascii-casemap comparisons of :is, :contains and :matches (RFC 5228 2.7.1). */
function matches(value: string, pattern: string, matchType: string | undefined): boolean {
  const v = value.toLowerCase();
  const p = pattern.toLowerCase();
  if (matchType === 'contains') return v.includes(p);
  if (matchType === 'matches') {
    let source = '';
    for (let i = 0; i < p.length; i++) {
      const c = p[i]!;
      if (c === '\\' && i + 1 < p.length) source += p[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else if (c === '*') source += '[\\s\\S]*';
      else if (c === '?') source += '[\\s\\S]';
      else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`^${source}$`).test(v);
  }
  return v === p; // :is, and anything this code does not know compares exactly
}

function encodeField(name: string, value: string): string {
  const encoded = /[^\x20-\x7e]/.test(value) ? libmime.encodeWords(value, 'Q', 52) : value;
  return Buffer.from(`${name}: ${encoded.replace(/[\r\n]+/g, ' ')}\r\n`, 'utf8').toString('latin1');
}

function deleteFields(fields: RawField[], edit: HeaderEdit): RawField[] {
  const key = edit.name.toLowerCase();
  const named = fields.filter((field) => field.key === key);
  let candidates = named;
  if (edit.index !== undefined) {
    const position = edit.last ? named.length - edit.index : edit.index - 1;
    candidates = position >= 0 && position < named.length ? [named[position]!] : [];
  }
  const patterns = edit.patterns ?? [];
  const doomed = new Set(
    candidates.filter(
      (field) =>
        patterns.length === 0 || patterns.some((p) => matches(decodedValue(field), p, edit.matchType)),
    ),
  );
  return fields.filter((field) => !doomed.has(field));
}

/** The header block (latin1, blank line included) with the edits applied in order. */
export function editHeaderBlock(header: string, edits: HeaderEdit[]): string {
  let fields = splitFields(header);
  const ending = /\r?\n$/.exec(header)?.[0] === '\n' && !header.includes('\r') ? '\n' : '\r\n';
  for (const edit of edits) {
    if (PROTECTED.has(edit.name.toLowerCase()) || !/^[\x21-\x39\x3b-\x7e]+$/.test(edit.name)) continue;
    if (edit.op === 'add') {
      const field = { key: edit.name.toLowerCase(), raw: encodeField(edit.name, edit.value ?? '') };
      fields = edit.last ? [...fields, field] : [field, ...fields];
    } else fields = deleteFields(fields, edit);
  }
  return fields.map((field) => (/\n$/.test(field.raw) ? field.raw : `${field.raw}\r\n`)).join('') + ending;
}
