// Structured MIME header values: `type/subtype; name=value; ...` (RFC 2045 section 5.1) and
// Content-Disposition (RFC 2183), with RFC 2231 continuations merged the way IMAP servers report
// them: `name*0*=utf-8''%C3%A4; name*1=b` becomes ("name*" "utf-8''%C3%A4b"), so a client can still
// decode the charset (RFC 2231 section 4). Parameter names keep their case, values stay raw.
import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';

export interface ParamValue {
  /** The token before the first ';', as written (e.g. "text/plain" or "attachment"). */
  value: string;
  /** Parameters in header order, continuations merged (listed after the plain ones). */
  params: [string, string][];
}

function skipComment(text: string, pos: number): number {
  let depth = 0;
  for (let i = pos; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return text.length;
}

/** Reads `value *(";" name "=" (token / quoted-string))`, tolerating junk the way mail readers do. */
function tokenize(text: string): { value: string; raw: [string, string][] } {
  const raw: [string, string][] = [];
  let pos = 0;
  const semicolon = text.indexOf(';');
  const value = (semicolon < 0 ? text : text.slice(0, semicolon)).replace(/\([^)]*\)/g, '').trim();
  pos = semicolon < 0 ? text.length : semicolon + 1;
  while (pos < text.length) {
    while (pos < text.length && /[\s;]/.test(text[pos])) pos++;
    if (text[pos] === '(') {
      pos = skipComment(text, pos);
      continue;
    }
    const eq = text.indexOf('=', pos);
    const nextSemi = text.indexOf(';', pos);
    if (eq < 0 || (nextSemi >= 0 && nextSemi < eq)) {
      pos = nextSemi < 0 ? text.length : nextSemi + 1; // a name with no value: skip it
      continue;
    }
    const name = text.slice(pos, eq).trim();
    pos = eq + 1;
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    let paramValue = '';
    if (text[pos] === '"') {
      pos++;
      while (pos < text.length && text[pos] !== '"') {
        if (text[pos] === '\\' && pos + 1 < text.length) pos++;
        paramValue += text[pos++];
      }
      pos++;
      const end = text.indexOf(';', pos);
      pos = end < 0 ? text.length : end + 1;
    } else {
      const end = text.indexOf(';', pos);
      paramValue = (end < 0 ? text.slice(pos) : text.slice(pos, end)).replace(/\s*\([^)]*\)\s*$/, '').trim();
      pos = end < 0 ? text.length : end + 1;
    }
    if (name && !/[\s"]/.test(name)) raw.push([name, paramValue]);
  }
  return { value, raw };
}

/** Parses a structured header value; RFC 2231 segments `x*0`, `x*1*`... are merged into one. */
export function parseParamHeader(text: string): ParamValue {
  const { value, raw } = tokenize(text);
  const plain: [string, string][] = [];
  // Keyed by lower-case base name, in order of first appearance.
  const segments = new Map<
    string,
    { base: string; extended: boolean; parts: { index: number; value: string }[] }
  >();
  for (const [name, paramValue] of raw) {
    // "name*N", "name*N*" (continuations) and "name*" (one extended value) are all RFC 2231.
    const match = /^(.+?)\*(?:(\d+)(\*?))?$/.exec(name);
    if (!match) {
      if (paramOf(plain, name) === undefined) plain.push([name, paramValue]);
      continue;
    }
    const lower = match[1].toLowerCase();
    let entry = segments.get(lower);
    if (!entry) segments.set(lower, (entry = { base: match[1], extended: false, parts: [] }));
    const index = match[2] === undefined ? 0 : Number(match[2]);
    if (index === 0) entry.extended = match[2] === undefined || match[3] === '*';
    if (!entry.parts.some((part) => part.index === index)) entry.parts.push({ index, value: paramValue });
  }
  const merged = [...segments.values()].map((entry): [string, string] => [
    entry.extended ? `${entry.base}*` : entry.base,
    entry.parts
      .sort((a, b) => a.index - b.index)
      .map((part) => part.value)
      .join(''),
  ]);
  // A merged value wins over a plain one of the same name (RFC 2231 section 3).
  const mergedNames = new Set(merged.map(([name]) => name.toLowerCase()));
  return { value, params: [...plain.filter(([name]) => !mergedNames.has(name.toLowerCase())), ...merged] };
}

/** The value of a parameter by case-insensitive name, raw. */
export function paramOf(params: [string, string][], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of params) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/**
 * A human-readable parameter value (for file names shown in the webmail): RFC 2231 `name*`
 * percent-decoding in its charset, RFC 2047 encoded words, and raw UTF-8.
 */
export function decodedParam(params: [string, string][], name: string): string | null {
  const extended = paramOf(params, `${name}*`);
  if (extended !== undefined) {
    const match = /^([^']*)'[^']*'(.*)$/.exec(extended);
    if (match) {
      try {
        const bytes = Buffer.from(
          match[2].replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        );
        return decodeCharset(bytes, match[1] || 'utf-8');
      } catch {
        return match[2];
      }
    }
    return extended;
  }
  const plain = paramOf(params, name);
  if (plain === undefined) return null;
  try {
    return libmime.decodeWords(plain);
  } catch {
    return plain;
  }
}
