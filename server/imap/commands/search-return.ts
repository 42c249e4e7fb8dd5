// The RETURN options of SEARCH and SORT: ESEARCH's MIN MAX COUNT ALL (RFC 4731, RFC 5267 3.1),
// CONTEXT and UPDATE (RFC 5267 section 4), and PARTIAL windows (RFC 5267 4.4 as updated by
// RFC 9394: "-1:-100" counts from the last result).
import { bad } from '../errors';
import { formatSequence, type Args } from '../parser';

/** A 1-based window over the results; negative numbers count from the end. |first| <= |last|. */
export interface PartialRange {
  first: number;
  last: number;
}

export interface ReturnOptions {
  min: boolean;
  max: boolean;
  all: boolean;
  count: boolean;
  update: boolean;
  partial: PartialRange | null;
}

const MAX_INDEX = 4294967295;

/** RETURN (ALL): what a SEARCH without RETURN means once IMAP4rev2 is enabled (RFC 9051 6.4.4). */
export const RETURN_ALL: Readonly<ReturnOptions> = {
  min: false,
  max: false,
  all: true,
  count: false,
  update: false,
  partial: null,
};

/** "m:n" or "-m:-n" (either order), never "*" or 0 (RFC 9394 section 4, partial-range). */
export function parsePartialRange(text: string): PartialRange {
  const match = /^(-?)([1-9]\d{0,9}):(-?)([1-9]\d{0,9})$/.exec(text);
  if (!match || match[1] !== match[3]) throw bad('PARTIAL needs a range like 1:100 or -1:-100');
  const a = Number(match[2]);
  const b = Number(match[4]);
  if (a > MAX_INDEX || b > MAX_INDEX) throw bad('PARTIAL range out of bounds');
  const sign = match[1] ? -1 : 1;
  return { first: sign * Math.min(a, b), last: sign * Math.max(a, b) };
}

export function formatPartialRange(range: PartialRange): string {
  return `${range.first}:${range.last}`;
}

/** The results inside the window, kept in their order. */
export function partialWindow<T>(items: T[], range: PartialRange): T[] {
  if (range.first > 0) return items.slice(range.first - 1, range.last);
  const end = items.length + range.first + 1; // -1 is the last item
  return end <= 0 ? [] : items.slice(Math.max(0, items.length + range.last), end);
}

/**
 * RETURN (...) if present. An empty list, or one with only CONTEXT, means ALL (RFC 4731 3.1);
 * UPDATE alone asks for no result now, only for the updates (as Dovecot answers).
 */
export function parseReturnOptions(args: Args): ReturnOptions | null {
  if (!args.acceptAtom('RETURN')) return null;
  const options: ReturnOptions = {
    min: false,
    max: false,
    all: false,
    count: false,
    update: false,
    partial: null,
  };
  const items = args.list('RETURN options');
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.kind !== 'atom') throw bad('RETURN options must be atoms');
    const word = item.value.toUpperCase();
    if (word === 'MIN' || word === 'MAX' || word === 'ALL' || word === 'COUNT')
      options[word.toLowerCase() as 'min' | 'max' | 'all' | 'count'] = true;
    else if (word === 'UPDATE') options.update = true;
    else if (word === 'CONTEXT')
      continue; // a hint (RFC 5267 4.2): every result is computed afresh
    else if (word === 'PARTIAL') {
      const range = items[++i];
      if (options.partial || range?.kind !== 'atom') throw bad('PARTIAL needs one range');
      options.partial = parsePartialRange(range.value);
    } else throw bad(`Unsupported RETURN option ${word.slice(0, 20)}`);
  }
  // RFC 9394 section 3.1: one PARTIAL, one ALL, or neither.
  if (options.partial && options.all) throw bad('PARTIAL conflicts with ALL');
  if (!options.min && !options.max && !options.count && !options.partial && !options.update)
    options.all = true;
  return options;
}

/** Numbers in the given order, runs of consecutive ascending numbers as a:b (RFC 5267 3.2). */
export function formatOrdered(numbers: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The result data items for `numbers` (message numbers or UIDs in the result's order): SEARCH
 * results are in mailbox order, SORT results in the requested order, where MIN and MAX are the
 * first and last sorted message (RFC 5267 3.1).
 */
export function resultItems(numbers: number[], options: ReturnOptions, sorted: boolean): string[] {
  const format = sorted ? formatOrdered : formatSequence;
  const parts: string[] = [];
  if (numbers.length > 0) {
    if (options.min) parts.push(`MIN ${numbers[0]}`);
    if (options.max) parts.push(`MAX ${numbers[numbers.length - 1]}`);
    if (options.all) parts.push(`ALL ${format(numbers)}`);
  }
  if (options.partial) {
    const window = partialWindow(numbers, options.partial);
    parts.push(`PARTIAL (${formatPartialRange(options.partial)} ${window.length ? format(window) : 'NIL'})`);
  }
  if (options.count) parts.push(`COUNT ${numbers.length}`);
  return parts;
}
