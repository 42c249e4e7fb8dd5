// Flag changes (IMAP STORE, the webmail's read/flag buttons): one new MODSEQ for the batch,
// CONDSTORE's UNCHANGEDSINCE test (RFC 7162 section 3.1.3), a change-feed row per message.
import { notifyChange } from './changes';
import { rawDb } from './raw';
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

type StoredFlagRow = Record<'id' | 'uid' | 'seen' | 'answered' | 'flagged' | 'deleted' | 'draft', number> & {
  modseq: bigint | number;
  keywords: string | null;
};

/**
 * Plain SQL in one transaction (store/raw.ts): STORE and FETCH's implicit \Seen run this per
 * command, and the ORM's interactive transaction cost several times the SQL itself.
 */
export async function updateFlags(
  folderId: number,
  uids: number[],
  change: FlagChange,
  unchangedSince?: bigint,
): Promise<FlagUpdateResult> {
  if (uids.length === 0) return { rows: [], modified: [] };
  const batches = uidBatches(uids);
  const result = await rawDb().transaction(async (tx) => {
    // The folder row is the first and only lock before the message rows (store order, index.ts):
    // writers to this folder serialise on it, and the feed's row ids commit in order. The lock, the
    // new MODSEQ and the message rows go out together (pipelined, see RawTx): one round trip.
    const [, [folder], ...found] = await Promise.all([
      tx.run('UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id = ?', [folderId]),
      tx.all<{ highest_modseq: bigint | number }>('SELECT highest_modseq FROM folders WHERE id = ?', [
        folderId,
      ]),
      ...batches.map((batch) =>
        tx.all<StoredFlagRow>(
          'SELECT id, uid, modseq, seen, answered, flagged, deleted, draft, keywords FROM messages WHERE folder_id = ? AND uid >= ? AND uid <= ? ORDER BY uid',
          [folderId, batch.first, batch.last],
        ),
      ),
    ]);
    if (!folder) throw new Error(`folder ${folderId} not found`);
    const modseq = BigInt(folder.highest_modseq);
    const current: (FlagRow & { id: number })[] = [];
    batches.forEach((batch, i) => {
      for (const row of found[i]!) {
        const uid = Number(row.uid);
        if (!batch.uids.has(uid)) continue;
        current.push({
          id: Number(row.id),
          uid,
          modseq: BigInt(row.modseq),
          seen: Boolean(Number(row.seen)),
          answered: Boolean(Number(row.answered)),
          flagged: Boolean(Number(row.flagged)),
          deleted: Boolean(Number(row.deleted)),
          draft: Boolean(Number(row.draft)),
          keywords: String(row.keywords ?? ''),
        });
      }
    });
    const rows: FlagRow[] = [];
    const modified: number[] = [];
    const groups = new Map<string, { data: FlagRow; ids: number[]; uids: number[] }>();
    for (const row of current) {
      if (unchangedSince !== undefined && row.modseq > unchangedSince) {
        modified.push(row.uid);
        continue;
      }
      const next = apply(row, change);
      const { id: _id, ...stored } = row;
      if (sameFlags(row, next)) {
        rows.push(stored);
        continue;
      }
      const key = `${SYSTEM.map((name) => (next[name] ? 1 : 0)).join('')}${next.keywords}`;
      const group = groups.get(key) ?? { data: next, ids: [], uids: [] };
      group.ids.push(row.id);
      group.uids.push(row.uid);
      groups.set(key, group);
      const { id: _nextId, ...updated } = next as FlagRow & { id?: number };
      rows.push({ ...updated, modseq });
    }
    // Every write at once (pipelined): their values are all known.
    const writes: Promise<void>[] = [];
    for (const group of groups.values()) {
      const { seen, answered, flagged, deleted, draft, keywords } = group.data;
      for (const ids of chunks(group.ids))
        writes.push(
          tx.run(
            `UPDATE messages SET seen = ?, answered = ?, flagged = ?, deleted = ?, draft = ?, keywords = ?, modseq = ? WHERE id IN (${ids.map(() => '?').join(', ')})`,
            [seen, answered, flagged, deleted, draft, keywords, modseq, ...ids],
          ),
        );
    }
    const changed = [...groups.values()].flatMap((group) => group.uids).sort((a, b) => a - b);
    for (const part of chunks(changed, 200))
      writes.push(
        tx.run(
          `INSERT INTO mail_changes (folder_id, uid, modseq, kind) VALUES ${part.map(() => "(?, ?, ?, 'flags')").join(', ')}`,
          part.flatMap((uid) => [folderId, uid, modseq]),
        ),
      );
    await Promise.all(writes);
    return { rows, modified, changed: groups.size > 0 };
  }, 'flags');
  if (result.changed) notifyChange(folderId);
  return { rows: result.rows.sort((a, b) => a.uid - b.uid), modified: result.modified };
}
