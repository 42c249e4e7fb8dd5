// Sequence sets (RFC 9051 section 9, sequence-set): "1:4,7,9:*". Kept as ranges, never expanded,
// so 1:4294967295 costs nothing; "*" is resolved against the mailbox when used.
import { ParseError } from './tokens';

export const STAR = 0;
export interface SeqRange {
  from: number; // STAR (0) means "*"
  to: number;
}

const MAX_NUMBER = 4294967295;
const MAX_RANGES = 10_000;

function parseNumber(text: string): number {
  if (text === '*') return STAR;
  if (!/^[1-9]\d{0,9}$/.test(text)) throw new ParseError(`bad number in sequence set: ${text.slice(0, 20)}`);
  const value = Number(text);
  if (value > MAX_NUMBER) throw new ParseError('number out of range in sequence set');
  return value;
}

export function parseSequenceSet(text: string): SeqRange[] {
  if (text.length === 0) throw new ParseError('empty sequence set');
  const parts = text.split(',');
  if (parts.length > MAX_RANGES) throw new ParseError('sequence set too long');
  return parts.map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) {
      const n = parseNumber(part);
      return { from: n, to: n };
    }
    return { from: parseNumber(part.slice(0, colon)), to: parseNumber(part.slice(colon + 1)) };
  });
}

export function isSequenceSet(text: string): boolean {
  return /^(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*$/.test(text);
}

/** Ranges with "*" replaced by `star`, ordered low..high, sorted and merged. */
export function normalise(ranges: SeqRange[], star: number): [number, number][] {
  const out = ranges.map(({ from, to }): [number, number] => {
    const a = from === STAR ? star : from;
    const b = to === STAR ? star : to;
    return a <= b ? [a, b] : [b, a];
  });
  out.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const range of out) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indexes (0-based) into the sorted UID list of the UIDs the set names; "*" is the highest UID. */
export function selectUidIndexes(ranges: SeqRange[], uids: ArrayLike<number>): number[] {
  if (uids.length === 0) return [];
  const out: number[] = [];
  for (const [a, b] of normalise(ranges, uids[uids.length - 1]!)) {
    for (let i = lowerBound(uids, a); i < uids.length && uids[i]! <= b; i++) out.push(i);
  }
  return out;
}

/** Indexes (0-based) of the message sequence numbers the set names; null when one is out of range. */
export function selectSeqIndexes(ranges: SeqRange[], count: number): number[] | null {
  const out: number[] = [];
  for (const [a, b] of normalise(ranges, count)) {
    if (a < 1 || b > count) return null;
    for (let n = a; n <= b; n++) out.push(n - 1);
  }
  return out;
}

export { lowerBound };

/** Compact IMAP form of a list of numbers: 1:3,7,9:10. */
export function formatSequence(numbers: number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
    parts.push(sorted[i] === sorted[j] ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
