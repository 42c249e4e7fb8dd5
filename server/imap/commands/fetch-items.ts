// FETCH data items (RFC 9051 section 6.4.5, RFC 3501 for RFC822.*, RFC 3516 BINARY, RFC 7162
// MODSEQ): parsed once per command into a plan the per-message loop follows.
import { parseSectionSpec, type SectionSpec } from '../../mime';
import { bad } from '../errors';
import type { Token } from '../parser';
import { parsePartialRange, type PartialRange } from './search-return';

export type SimpleItem =
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODYSTRUCTURE'
  | 'BODY'
  | 'UID'
  | 'MODSEQ'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT';

export interface SectionItem {
  kind: 'BODY' | 'BINARY' | 'BINARY.SIZE';
  peek: boolean;
  spec: SectionSpec;
  /** The section text as the client wrote it, echoed back in the response name. */
  label: string;
  partial: { start: number; length: number } | null;
}

export interface FetchPlan {
  simple: Set<SimpleItem>;
  sections: SectionItem[];
  /** Items that need the cached ENVELOPE / body structure JSON. */
  needsEnvelope: boolean;
  needsStructure: boolean;
  /** Any item that needs the message content. */
  needsContent: boolean;
  /** Any item that sets \Seen (BODY[...] without PEEK, RFC822, RFC822.TEXT). */
  setsSeen: boolean;
}

const SIMPLE = new Set<string>([
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'BODY',
  'UID',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
]);
const MACROS: Record<string, SimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};
const SECTION_ITEM =
  /^(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)\[([^\]]*)\](?:<(\d{1,10})(?:\.(\d{1,10}))?>)?$/i;

function parseSectionItem(text: string): SectionItem {
  const match = SECTION_ITEM.exec(text);
  if (!match) throw bad(`Unknown FETCH item ${text.slice(0, 40)}`);
  const name = match[1]!.toUpperCase();
  const label = match[2]!.replace(/\s+/g, ' ').trim();
  const spec = parseSectionSpec(label);
  if (!spec) throw bad(`Invalid section ${label.slice(0, 40)}`);
  const kind = name.startsWith('BINARY.SIZE') ? 'BINARY.SIZE' : name.startsWith('BINARY') ? 'BINARY' : 'BODY';
  if (kind !== 'BODY' && spec.text) throw bad('BINARY takes only part numbers');
  if (match[4] !== undefined && Number(match[4]) === 0) throw bad('Partial length must be positive');
  if (kind === 'BINARY.SIZE' && match[3] !== undefined) throw bad('BINARY.SIZE takes no partial');
  const partial =
    match[3] !== undefined
      ? {
          start: Number(match[3]),
          length: match[4] !== undefined ? Number(match[4]) : Number.MAX_SAFE_INTEGER,
        }
      : null;
  return { kind, peek: name.endsWith('.PEEK') || kind === 'BINARY.SIZE', spec, label, partial };
}

export function parseFetchItems(token: Token): FetchPlan {
  const words: string[] = [];
  if (token.kind === 'atom') {
    const macro = MACROS[token.value.toUpperCase()];
    if (macro) words.push(...macro);
    else words.push(token.value);
  } else if (token.kind === 'list') {
    if (token.items.length === 0) throw bad('Empty FETCH item list');
    for (const item of token.items) {
      if (item.kind !== 'atom') throw bad('FETCH items must be atoms');
      words.push(item.value);
    }
  } else throw bad('Invalid FETCH items');
  const plan: FetchPlan = {
    simple: new Set(),
    sections: [],
    needsEnvelope: false,
    needsStructure: false,
    needsContent: false,
    setsSeen: false,
  };
  for (const word of words) {
    const upper = word.toUpperCase();
    if (SIMPLE.has(upper)) plan.simple.add(upper as SimpleItem);
    else plan.sections.push(parseSectionItem(word));
  }
  const s = plan.simple;
  plan.needsEnvelope = s.has('ENVELOPE');
  plan.needsStructure =
    s.has('BODYSTRUCTURE') ||
    s.has('BODY') ||
    s.has('RFC822.TEXT') ||
    s.has('RFC822.HEADER') ||
    plan.sections.some(
      (item) => item.kind !== 'BODY' || item.spec.part.length > 0 || item.spec.text !== undefined,
    );
  plan.needsContent =
    s.has('RFC822') || s.has('RFC822.HEADER') || s.has('RFC822.TEXT') || plan.sections.length > 0;
  plan.setsSeen = s.has('RFC822') || s.has('RFC822.TEXT') || plan.sections.some((section) => !section.peek);
  return plan;
}

/** FETCH modifiers: CHANGEDSINCE n and VANISHED (RFC 7162), PARTIAL (RFC 9394, UID FETCH). */
export function parseFetchModifiers(items: Token[] | null): {
  changedSince: bigint | null;
  vanished: boolean;
  partial: PartialRange | null;
} {
  let changedSince: bigint | null = null;
  let vanished = false;
  let partial: PartialRange | null = null;
  if (!items) return { changedSince, vanished, partial };
  for (let i = 0; i < items.length; i++) {
    const token = items[i]!;
    const word = token.kind === 'atom' ? token.value.toUpperCase() : '';
    if (word === 'CHANGEDSINCE') {
      const value = items[++i];
      if (value?.kind !== 'atom' || !/^\d{1,19}$/.test(value.value)) throw bad('CHANGEDSINCE needs a number');
      changedSince = BigInt(value.value);
    } else if (word === 'VANISHED') vanished = true;
    else if (word === 'PARTIAL' && !partial) {
      const range = items[++i];
      if (range?.kind !== 'atom') throw bad('PARTIAL needs a range');
      partial = parsePartialRange(range.value);
    } else throw bad(`Unknown FETCH modifier ${word.slice(0, 20)}`);
  }
  if (vanished && changedSince === null) throw bad('VANISHED needs CHANGEDSINCE');
  return { changedSince, vanished, partial };
}
