// Flag changes (IMAP STORE, the webmail's read/flag buttons): one new MODSEQ for the batch,
// CONDSTORE's UNCHANGEDSINCE test (RFC 7162 section 3.1.3), a change-feed row per message.
import { writeTransaction } from '../core/db';
import { nextModseq } from './append';
import { notifyChange } from './changes';
import type { FlagRow } from './mailbox-view';
import { chunks, uidBatches } from './uid-batches';

export type FlagOperation = 'set' | 'add' | 'remove';
const SYSTEM = ['seen', 'answered', 'flagged', 'deleted', 'draft'] as const;
type SystemName = (typeof SYSTEM)[number];

export interface FlagChange {
  operation: FlagOperation;
  system: Partial<Record<SystemName, true>>;
  keywords: string[];
}

export interface FlagUpdateResult {
  /** Every matched message's state after the call (changed or not). */
  rows: FlagRow[];
  /** UIDs whose MODSEQ was above UNCHANGEDSINCE: left alone (the MODIFIED response code). */
  modified: number[];
}

function keywordSet(keywords: string): string[] {
  return keywords.split(' ').filter(Boolean);
}

function apply(row: FlagRow, change: FlagChange): FlagRow {
  const next = { ...row };
  for (const name of SYSTEM) {
    const named = change.system[name] === true;
    if (change.operation === 'set') next[name] = named;
    else if (named) next[name] = change.operation === 'add';
  }
  const current = keywordSet(row.keywords);
  const lower = new Set(change.keywords.map((k) => k.toLowerCase()));
  let words: string[];
  if (change.operation === 'set')
    words = [...new Map(change.keywords.map((k) => [k.toLowerCase(), k])).values()];
  else if (change.operation === 'add')
    words = [
      ...current,
      ...change.keywords.filter(
        (k, i, all) =>
          !current.some((c) => c.toLowerCase() === k.toLowerCase()) &&
          all.findIndex((x) => x.toLowerCase() === k.toLowerCase()) === i,
      ),
    ];
  else words = current.filter((k) => !lower.has(k.toLowerCase()));
  next.keywords = words.join(' ').slice(0, 1024);
  return next;
}

function sameFlags(a: FlagRow, b: FlagRow): boolean {
  return SYSTEM.every((name) => a[name] === b[name]) && a.keywords === b.keywords;
}

export async function updateFlags(
  folderId: number,
  uids: number[],
  change: FlagChange,
  unchangedSince?: bigint,
): Promise<FlagUpdateResult> {
  if (uids.length === 0) return { rows: [], modified: [] };
  const result = await writeTransaction('flags', async (tx) => {
    // The folder row is the first and only lock before the message rows (store order, index.ts):
    // writers to this folder serialise on it, and the feed's row ids commit in order.
    const modseq = await nextModseq(tx, folderId);
    const current: (FlagRow & { id: number })[] = [];
    for (const batch of uidBatches(uids)) {
      const rows = await tx.message.findMany({
        where: { folderId, uid: { gte: batch.first, lte: batch.last } },
        select: {
          id: true,
          uid: true,
          modseq: true,
          seen: true,
          answered: true,
          flagged: true,
          deleted: true,
          draft: true,
          keywords: true,
        },
        orderBy: { uid: 'asc' },
      });
      for (const row of rows) if (batch.uids.has(row.uid)) current.push(row);
    }
    const rows: FlagRow[] = [];
    const modified: number[] = [];
    const groups = new Map<string, { data: FlagRow; ids: number[]; uids: number[] }>();
    for (const row of current) {
      if (unchangedSince !== undefined && row.modseq > unchangedSince) {
        modified.push(row.uid);
        continue;
      }
      const next = apply(row, change);
      if (sameFlags(row, next)) {
        rows.push(row);
        continue;
      }
      const key = `${SYSTEM.map((name) => (next[name] ? 1 : 0)).join('')}${next.keywords}`;
      const group = groups.get(key) ?? { data: next, ids: [], uids: [] };
      group.ids.push(row.id);
      group.uids.push(row.uid);
      groups.set(key, group);
      rows.push({ ...next, modseq });
    }
    for (const group of groups.values()) {
      const { seen, answered, flagged, deleted, draft, keywords } = group.data;
      for (const ids of chunks(group.ids)) {
        await tx.message.updateMany({
          where: { id: { in: ids } },
          data: { seen, answered, flagged, deleted, draft, keywords, modseq },
        });
      }
      for (const part of chunks(
        group.uids.map((uid) => ({ folderId, uid, modseq, kind: 'flags' })),
        200,
      ))
        await tx.mailChange.createMany({ data: part });
    }
    return { rows, modified, changed: groups.size > 0 };
  });
  if (result.changed) notifyChange(folderId);
  return { rows: result.rows.sort((a, b) => a.uid - b.uid), modified: result.modified };
}
