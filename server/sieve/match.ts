// Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric), match types (RFC 5228 2.7.1)
// and relational matches (RFC 5231).
import type { Comparator, MatchSpec, Relation } from './compiled';

/** ASCII-only case folding: keeps string lengths, so offsets found on folded text hold in the original. */
export function asciiLower(text: string): string {
  let upper = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Non-ASCII: fold A-Z only (toLowerCase would fold other letters too).
    if (code > 127) return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
    if (code >= 65 && code <= 90) upper = true;
  }
  return upper ? text.toLowerCase() : text;
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

type GlobToken = { kind: 'char' | '*' | '?'; ch: string };
let spanBuffer = new Int32Array(64);
/** Patterns repeat for every message: their token lists are kept (bounded). */
const globCache = new Map<string, GlobToken[]>();

function globTokens(pattern: string): GlobToken[] {
  let tokens = globCache.get(pattern);
  if (tokens) return tokens;
  tokens = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) tokens.push({ kind: 'char', ch: pattern[++i] });
    else if (c === '*' || c === '?') tokens.push({ kind: c, ch: c });
    else tokens.push({ kind: 'char', ch: c });
  }
  if (globCache.size >= 5000) globCache.clear();
  globCache.set(pattern, tokens);
  return tokens;
}

/**
 * Wildcard match ("*" any run, "?" one character, "\" escapes) with the captures RFC 5229 3.2 asks
 * for: each "*" as short as the rest allows. Backtracks only to the last "*" (linear-ish, no regex
 * blow-up on hostile patterns).
 */
export function globMatch(text: string, pattern: string, comparator: Comparator): string[] | null {
  const t = fold(text, comparator);
  const tokens = globTokens(fold(pattern, comparator));
  // Start and end (in t) of each wildcard token, pairwise (one buffer reused: matching is synchronous).
  if (spanBuffer.length < tokens.length * 2) spanBuffer = new Int32Array(tokens.length * 2);
  const spans = spanBuffer;
  let ti = 0;
  let pi = 0;
  let starToken = -1;
  let starText = 0;
  while (ti < t.length) {
    const token = tokens[pi];
    if (token && token.kind === 'char' && token.ch === t[ti]) {
      pi++;
      ti++;
    } else if (token && token.kind === '?') {
      const len = charLength(t, ti);
      spans[pi * 2] = ti;
      spans[pi * 2 + 1] = ti + len;
      pi++;
      ti += len;
    } else if (token && token.kind === '*') {
      starToken = pi;
      starText = ti;
      spans[pi * 2] = ti;
      spans[pi * 2 + 1] = ti;
      pi++;
    } else if (starToken >= 0) {
      // Grow the last star by one character and retry what follows it.
      starText += charLength(t, starText);
      spans[starToken * 2 + 1] = starText;
      pi = starToken + 1;
      ti = starText;
    } else return null;
  }
  while (pi < tokens.length && tokens[pi].kind === '*') {
    spans[pi * 2] = ti;
    spans[pi * 2 + 1] = ti;
    pi++;
  }
  if (pi !== tokens.length) return null;
  const captures = [text];
  for (let n = 0; n < tokens.length; n++) {
    if (tokens[n].kind !== 'char') captures.push(text.slice(spans[n * 2], spans[n * 2 + 1]));
  }
  return captures;
}

/** One character's length in UTF-16 code units (a surrogate pair is one character). */
function charLength(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xd800 && code <= 0xdbff && at + 1 < text.length ? 2 : 1;
}

export interface MatchOutcome {
  matched: boolean;
  /** ${0}..${9} after a successful :matches (RFC 5229 3.2). */
  captures?: string[];
}

/** Whether any value matches any key (RFC 5228 2.7.1). :count is handled by the callers (countMatch). */
const MATCHED: MatchOutcome = { matched: true };
const NOT_MATCHED: MatchOutcome = { matched: false };
/** Folded forms of constant key lists (the compiled script's own arrays), computed once. */
const foldedKeyCache = new WeakMap<string[], string[]>();

function foldKeys(keys: string[], comparator: Comparator): string[] {
  if (comparator !== 'i;ascii-casemap') return keys;
  let folded = foldedKeyCache.get(keys);
  if (!folded) {
    folded = keys.map(asciiLower);
    foldedKeyCache.set(keys, folded);
  }
  return folded;
}

export function matchAny(values: Iterable<string>, keys: string[], spec: MatchSpec): MatchOutcome {
  const comparator = spec.comparator;
  const foldedKeys = spec.type === 'is' || spec.type === 'contains' ? foldKeys(keys, comparator) : keys;
  for (const value of values) {
    const folded = spec.type === 'is' || spec.type === 'contains' ? fold(value, comparator) : value;
    for (let k = 0; k < keys.length; k++) {
      switch (spec.type) {
        case 'is':
          if (
            comparator === 'i;ascii-numeric'
              ? order(value, keys[k], comparator) === 0
              : folded === foldedKeys[k]
          ) {
            return MATCHED;
          }
          break;
        case 'contains':
          if (folded.includes(foldedKeys[k])) return MATCHED;
          break;
        case 'matches': {
          const captures = globMatch(value, keys[k], comparator);
          if (captures) return { matched: true, captures };
          break;
        }
        case 'value':
          if (relationHolds(order(value, keys[k], comparator), spec.relation ?? 'eq')) return MATCHED;
          break;
        default:
          break;
      }
    }
  }
  return NOT_MATCHED;
}

/** RFC 5231 4.1: the number of values compared with each key. */
export function countMatch(count: number, keys: string[], spec: MatchSpec): boolean {
  return keys.some((key) => relationHolds(order(String(count), key, spec.comparator), spec.relation ?? 'eq'));
}
