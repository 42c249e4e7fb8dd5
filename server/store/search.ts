// SEARCH evaluation (RFC 9051 section 6.4.4): the parts of the query the indexed columns can
// answer become a database filter (a superset of the answer); the whole query is then checked
// exactly per candidate row, loading the content only for BODY, TEXT, BCC and arbitrary HEADER.
import { db } from '../core/db';
import { readBlob } from './blob-store';
import type { FlagRow } from './mailbox-view';
import { extractSearchText, parseHeaderLines, decodeWords, headerLength, type BodyPart } from '../mime';

export type SearchNode =
  | { op: 'all' }
  | { op: 'none' }
  | { op: 'and'; nodes: SearchNode[] }
  | { op: 'or'; a: SearchNode; b: SearchNode }
  | { op: 'not'; node: SearchNode }
  | { op: 'flag'; flag: 'seen' | 'answered' | 'flagged' | 'deleted' | 'draft'; value: boolean }
  | { op: 'keyword'; keyword: string; value: boolean }
  | { op: 'uid' /** ascending */; uids: number[] }
  | { op: 'date'; field: 'internal' | 'sent'; cmp: 'before' | 'on' | 'since'; day: Date }
  | { op: 'size'; cmp: 'larger' | 'smaller'; bytes: number }
  | { op: 'header'; field: string; text: string }
  | { op: 'body'; text: string }
  | { op: 'text'; text: string }
  | { op: 'modseq'; modseq: bigint };

interface Row extends FlagRow {
  internalDate: Date;
  sentDate: Date | null;
  size: number;
  subject: string;
  fromAddr: string;
  toAddr: string;
  ccAddr: string;
  blobSha256: string;
  bodyStructure: string;
  envelope?: string;
}

const COLUMN: Record<string, 'subject' | 'fromAddr' | 'toAddr' | 'ccAddr'> = {
  subject: 'subject',
  from: 'fromAddr',
  to: 'toAddr',
  cc: 'ccAddr',
};
const DAY = 86_400_000;

type Where = Record<string, unknown>;

/** A database filter implied by the node, or null when it cannot narrow (always a superset). */
function toWhere(node: SearchNode): Where | null {
  switch (node.op) {
    case 'and': {
      const parts = node.nodes.map(toWhere).filter((w): w is Where => w !== null);
      return parts.length ? { AND: parts } : null;
    }
    case 'or': {
      const a = toWhere(node.a);
      const b = toWhere(node.b);
      return a && b ? { OR: [a, b] } : null;
    }
    case 'not': {
      const inner = node.node;
      // Only negations the database answers exactly are pushed down.
      if (
        inner.op === 'flag' ||
        inner.op === 'uid' ||
        inner.op === 'size' ||
        inner.op === 'modseq' ||
        (inner.op === 'date' && inner.field === 'internal')
      ) {
        const w = toWhere(inner);
        return w ? { NOT: w } : null;
      }
      return null;
    }
    case 'none':
      return { uid: { lt: 0 } };
    case 'flag':
      return { [node.flag]: node.value };
    case 'uid':
      return node.uids.length <= 400
        ? { uid: { in: node.uids } }
        : { uid: { gte: node.uids[0] ?? 0, lte: node.uids[node.uids.length - 1] ?? 0 } };
    case 'size':
      return { size: node.cmp === 'larger' ? { gt: node.bytes } : { lt: node.bytes } };
    case 'modseq':
      return { modseq: { gte: node.modseq } };
    case 'date': {
      const column = node.field === 'internal' ? 'internalDate' : 'sentDate';
      // Sent dates are compared in the header's own zone, so the filter is a day wider each side.
      const slack = node.field === 'sent' ? DAY : 0;
      const start = new Date(
        node.day.getTime() - (node.cmp === 'since' || node.cmp === 'on' ? slack : -slack),
      );
      const end = new Date(node.day.getTime() + DAY + slack);
      if (node.cmp === 'before') return { [column]: { lt: start } };
      if (node.cmp === 'since') return { [column]: { gte: start } };
      return { [column]: { gte: start, lt: end } };
    }
    case 'header': {
      const column = COLUMN[node.field.toLowerCase()];
      // LIKE is case-insensitive only for ASCII on SQLite: non-ASCII text is checked in code.
      if (!column || node.text === '' || /[^\x20-\x7e]/.test(node.text) || /[%_\\]/.test(node.text))
        return null;
      return { [column]: { contains: node.text } };
    }
    case 'keyword':
      return node.value ? { keywords: { contains: node.keyword } } : null;
    default:
      return null;
  }
}

function needsContent(node: SearchNode): boolean {
  switch (node.op) {
    case 'and':
      return node.nodes.some(needsContent);
    case 'or':
      return needsContent(node.a) || needsContent(node.b);
    case 'not':
      return needsContent(node.node);
    case 'body':
    case 'text':
      return true;
    case 'header':
      return !COLUMN[node.field.toLowerCase()] || node.text === '';
    default:
      return false;
  }
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

interface Content {
  headers: { key: string; value: string }[];
  headerText: string;
  bodyText: string;
}

async function loadContent(row: Row): Promise<Content> {
  const raw = await readBlob(row.blobSha256);
  const headerEnd = headerLength(raw);
  const headerText = raw.subarray(0, headerEnd).toString('utf8');
  const headers = parseHeaderLines(headerText).map((h) => ({ key: h.key, value: decodeWords(h.value) }));
  let bodyText = '';
  try {
    bodyText = extractSearchText(raw, JSON.parse(row.bodyStructure) as BodyPart);
  } catch {
    bodyText = raw.subarray(headerEnd).toString('utf8');
  }
  return { headers, headerText: headers.map((h) => `${h.key}: ${h.value}`).join('\n'), bodyText };
}

function sortedHas(sorted: number[], value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === value) return true;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The Date header's calendar day in its own zone, as SENTBEFORE/SENTON/SENTSINCE compare it. */
function sentDay(row: Row): number | null {
  let header: string | null = null;
  try {
    header = (JSON.parse(row.envelope ?? 'null') as { date?: string | null } | null)?.date ?? null;
  } catch {
    header = null;
  }
  const match = header ? /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})/.exec(header) : null;
  if (match) {
    const month = MONTHS.indexOf(match[2]!.toLowerCase());
    let year = Number(match[3]);
    if (year < 100) year += year < 50 ? 2000 : 1900;
    if (month >= 0) return Date.UTC(year, month, Number(match[1]));
  }
  return row.sentDate ? dayOf(row.sentDate) : null;
}

function usesSentDate(node: SearchNode): boolean {
  if (node.op === 'and') return node.nodes.some(usesSentDate);
  if (node.op === 'or') return usesSentDate(node.a) || usesSentDate(node.b);
  if (node.op === 'not') return usesSentDate(node.node);
  return node.op === 'date' && node.field === 'sent';
}

function dayOf(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

async function matches(node: SearchNode, row: Row, content: () => Promise<Content>): Promise<boolean> {
  switch (node.op) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'and':
      for (const child of node.nodes) if (!(await matches(child, row, content))) return false;
      return true;
    case 'or':
      return (await matches(node.a, row, content)) || (await matches(node.b, row, content));
    case 'not':
      return !(await matches(node.node, row, content));
    case 'flag':
      return row[node.flag] === node.value;
    case 'keyword':
      return (
        row.keywords.split(' ').some((k) => k.toLowerCase() === node.keyword.toLowerCase()) === node.value
      );
    case 'uid':
      return sortedHas(node.uids, row.uid);
    case 'size':
      return node.cmp === 'larger' ? row.size > node.bytes : row.size < node.bytes;
    case 'modseq':
      return row.modseq >= node.modseq;
    case 'date': {
      const day = node.field === 'internal' ? dayOf(row.internalDate) : sentDay(row);
      if (day === null) return false;
      const wanted = node.day.getTime();
      return node.cmp === 'before' ? day < wanted : node.cmp === 'since' ? day >= wanted : day === wanted;
    }
    case 'header': {
      const column = COLUMN[node.field.toLowerCase()];
      if (column && node.text !== '') return contains(row[column], node.text);
      // An empty string matches every message that has the field (RFC 9051 section 6.4.4).
      const field = node.field.toLowerCase();
      return (await content()).headers.some(
        (h) => h.key === field && (node.text === '' || contains(h.value, node.text)),
      );
    }
    case 'body':
      return contains((await content()).bodyText, node.text);
    case 'text': {
      const c = await content();
      return contains(c.headerText, node.text) || contains(c.bodyText, node.text);
    }
  }
}

/** UIDs of the folder's messages matching the query (optionally only among `within`), ascending. */
export async function searchMessages(
  folderId: number,
  query: SearchNode,
): Promise<{ uids: number[]; modseqs: bigint[]; highestModseq: bigint }> {
  const where = toWhere(query);
  const withContent = needsContent(query);
  const rows = (await db().message.findMany({
    where: { folderId, ...(where ?? {}) },
    select: {
      uid: true,
      modseq: true,
      seen: true,
      answered: true,
      flagged: true,
      deleted: true,
      draft: true,
      keywords: true,
      internalDate: true,
      sentDate: true,
      size: true,
      subject: true,
      fromAddr: true,
      toAddr: true,
      ccAddr: true,
      blobSha256: true,
      bodyStructure: withContent,
      envelope: usesSentDate(query),
    },
    orderBy: { uid: 'asc' },
  })) as Row[];
  const uids: number[] = [];
  const modseqs: bigint[] = [];
  let highestModseq = 0n;
  for (const row of rows) {
    let cached: Promise<Content> | undefined;
    const content = () => (cached ??= loadContent(row));
    if (await matches(query, row, content)) {
      uids.push(row.uid);
      modseqs.push(row.modseq);
      if (row.modseq > highestModseq) highestModseq = row.modseq;
    }
  }
  return { uids, modseqs, highestModseq };
}
