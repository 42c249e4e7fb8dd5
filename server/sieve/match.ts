// Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric), match types (RFC 5228 2.7.1)
// and relational matches (RFC 5231).
import type { Comparator, MatchSpec, Relation } from './compiled';

/** ASCII-only case folding: keeps string lengths, so offsets found on folded text hold in the original. */
export function asciiLower(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : text;
}

const fold = (text: string, comparator: Comparator) =>
  comparator === 'i;ascii-casemap' ? asciiLower(text) : text;

/** RFC 4790 9.1: the leading digits as a number; no leading digit means positive infinity. */
function numericValue(text: string): number {
  const digits = /^[0-9]+/.exec(text);
  return digits ? Number(digits[0]) : Number.POSITIVE_INFINITY;
}

/** Ordering for :value: negative, zero or positive. */
function order(a: string, b: string, comparator: Comparator): number {
  if (comparator === 'i;ascii-numeric') {
    const x = numericValue(a);
    const y = numericValue(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  const x = fold(a, comparator);
  const y = fold(b, comparator);
  if (comparator === 'i;octet') {
    const bx = Buffer.from(x);
    const by = Buffer.from(y);
    return Buffer.compare(bx, by);
  }
  return x === y ? 0 : x < y ? -1 : 1;
}

function relationHolds(cmp: number, relation: Relation): boolean {
  switch (relation) {
    case 'gt':
      return cmp > 0;
    case 'ge':
      return cmp >= 0;
    case 'lt':
      return cmp < 0;
    case 'le':
      return cmp <= 0;
    case 'eq':
      return cmp === 0;
    default:
      return cmp !== 0;
  }
}

/**
 * Wildcard match ("*" any run, "?" one character, "\" escapes) with the captures RFC 5229 3.2 asks
 * for: each "*" as short as the rest allows. Backtracks only to the last "*" (linear-ish, no regex
 * blow-up on hostile patterns).
 */
export function globMatch(text: string, pattern: string, comparator: Comparator): string[] | null {
  const t = fold(text, comparator);
  const p = fold(pattern, comparator);
  // Pattern compiled to tokens: literal characters, '*' or '?'.
  const tokens: { kind: 'char' | '*' | '?'; ch: string }[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\' && i + 1 < p.length) tokens.push({ kind: 'char', ch: p[++i] });
    else if (c === '*' || c === '?') tokens.push({ kind: c, ch: c });
    else tokens.push({ kind: 'char', ch: c });
  }
  // starts/ends of each wildcard token in t
  const spans: [number, number][] = tokens.map(() => [0, 0]);
  let ti = 0;
  let pi = 0;
  let starToken = -1;
  let starText = 0;
  const charLen = (at: number) => {
    const code = t.charCodeAt(at);
    return code >= 0xd800 && code <= 0xdbff && at + 1 < t.length ? 2 : 1;
  };
  while (ti < t.length) {
    const token = tokens[pi];
    if (token && token.kind === 'char' && token.ch === t[ti]) {
      pi++;
      ti++;
    } else if (token && token.kind === '?') {
      const len = charLen(ti);
      spans[pi] = [ti, ti + len];
      pi++;
      ti += len;
    } else if (token && token.kind === '*') {
      starToken = pi;
      starText = ti;
      spans[pi] = [ti, ti];
      pi++;
    } else if (starToken >= 0) {
      // Grow the last star by one character and retry what follows it.
      starText += charLen(starText);
      spans[starToken] = [spans[starToken][0], starText];
      pi = starToken + 1;
      ti = starText;
    } else return null;
  }
  while (pi < tokens.length && tokens[pi].kind === '*') {
    spans[pi] = [ti, ti];
    pi++;
  }
  if (pi !== tokens.length) return null;
  const captures = [text];
  tokens.forEach((token, n) => {
    if (token.kind !== 'char') captures.push(text.slice(spans[n][0], spans[n][1]));
  });
  return captures;
}

export interface MatchOutcome {
  matched: boolean;
  /** ${0}..${9} after a successful :matches (RFC 5229 3.2). */
  captures?: string[];
}

/** Whether any value matches any key (RFC 5228 2.7.1). :count is handled by the callers (countMatch). */
export function matchAny(values: Iterable<string>, keys: string[], spec: MatchSpec): MatchOutcome {
  for (const value of values) {
    for (const key of keys) {
      switch (spec.type) {
        case 'is':
          if (
            spec.comparator === 'i;ascii-numeric'
              ? order(value, key, spec.comparator) === 0
              : fold(value, spec.comparator) === fold(key, spec.comparator)
          ) {
            return { matched: true };
          }
          break;
        case 'contains':
          if (fold(value, spec.comparator).includes(fold(key, spec.comparator))) return { matched: true };
          break;
        case 'matches': {
          const captures = globMatch(value, key, spec.comparator);
          if (captures) return { matched: true, captures };
          break;
        }
        case 'value':
          if (relationHolds(order(value, key, spec.comparator), spec.relation ?? 'eq'))
            return { matched: true };
          break;
        default:
          break;
      }
    }
  }
  return { matched: false };
}

/** RFC 5231 4.1: the number of values compared with each key. */
export function countMatch(count: number, keys: string[], spec: MatchSpec): boolean {
  return keys.some((key) => relationHolds(order(String(count), key, spec.comparator), spec.relation ?? 'eq'));
}
