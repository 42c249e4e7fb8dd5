// What an IMAP session (or any client keeping a view of a folder) reads: the UID list it numbers
// messages by, the change-feed rows after the last one it saw, and message rows for FETCH.
import { db } from '../core/db';
import { parseStoredDate, rawDb } from './raw';
import { chunks, uidBatches } from './uid-batches';
import { readBlob } from './blob-store';
import { cachedFolderState, forgetFolderState } from './folder-state-cache';
import { headerLength, parseHeaderLines } from '../mime';

export interface FolderView {
  /** Null when the caller's view at the same change cursor can be reused. */
  uids: number[] | null;
  lastChangeId: number;
  highestModseq: bigint;
  uidNext: number;
  uidValidity: number;
  firstUnseenUid: number | null;
  /** The folder's \Recent mark when read (see claimRecent): UIDs above it may be recent. */
  recentUid: number;
}

export interface FolderChange {
  id: number;
  uid: number;
  modseq: bigint;
  kind: string;
}

export async function lastChangeId(): Promise<number> {
  const row = await db().mailChange.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  return row?.id ?? 0;
}

type StateRow = {
  id: number;
  name: string;
  special_use: string | null;
  subscribed: number | boolean;
  highest_modseq: bigint | number;
  uid_next: number;
  uid_validity: number;
  recent_uid: number;
  last_change: number | null;
  first_unseen: number | null;
};

/**
 * A folder's row with its change cursor and first unseen UID, in one statement (one snapshot):
 * SELECT runs this on every open, so by name it is also the folder lookup, one round trip in all.
 * Plain SQL and `readCached`: the ORM's per-query cost was most of SELECT's time (bench/imap.ts).
 */
const STATE_SQL = `SELECT f.id, f.name, f.special_use, f.subscribed, f.highest_modseq, f.uid_next, f.uid_validity, f.recent_uid,
  (SELECT MAX(c.id) FROM mail_changes c WHERE c.folder_id = f.id) AS last_change,
  (SELECT m.uid FROM messages m WHERE m.folder_id = f.id AND m.seen = 0 ORDER BY m.uid LIMIT 1) AS first_unseen
  FROM folders f WHERE`;

function toState(row: StateRow): FolderState {
  return {
    folder: {
      id: Number(row.id),
      name: String(row.name),
      specialUse: row.special_use ?? null,
      subscribed: Boolean(row.subscribed),
      uidValidity: Number(row.uid_validity),
    },
    lastChangeId: Number(row.last_change ?? 0),
    highestModseq: BigInt(row.highest_modseq),
    uidNext: Number(row.uid_next),
    uidValidity: Number(row.uid_validity),
    firstUnseenUid: row.first_unseen === null ? null : Number(row.first_unseen),
    recentUid: Number(row.recent_uid),
  };
}

export interface FolderState extends Omit<FolderView, 'uids'> {
  folder: { id: number; name: string; specialUse: string | null; subscribed: boolean; uidValidity: number };
}

/** The state of a user's folder by IMAP name (already normalised: INBOX upper case), or null. */
export async function folderStateByName(userId: number, name: string): Promise<FolderState | null> {
  const raw = rawDb();
  const read = async () => {
    const [row] = await raw.readCached<StateRow>(`${STATE_SQL} f.user_id = ? AND f.name = ?`, [userId, name]);
    return row ? toState(row) : null;
  };
  return raw.provider === 'mysql'
    ? cachedFolderState(`${userId}\u0000${name}`, read, (state) => state!.folder.id)
    : read();
}

/** The UIDs of a folder in order: what sequence numbers index. */
export async function folderUids(folderId: number): Promise<number[]> {
  const rows = await rawDb().read<{ uid: number }>(
    'SELECT uid FROM messages WHERE folder_id = ? ORDER BY uid',
    [folderId],
  );
  return rows.map((row) => Number(row.uid));
}

export async function changesAfter(
  folderId: number,
  afterId: number,
  limit = 10_000,
): Promise<FolderChange[]> {
  // Plain SQL: every sync after a change reads this, and the ORM's cost per query was most of it.
  const rows = await rawDb().readArrays(
    `SELECT id, uid, modseq, kind FROM mail_changes WHERE folder_id = ? AND id > ? ORDER BY id LIMIT ${Math.trunc(limit)}`,
    [folderId, afterId],
  );
  return rows.map((row) => ({
    id: Number(row[0]),
    uid: Number(row[1]),
    modseq: BigInt(row[2] as bigint | number),
    kind: String(row[3]),
  }));
}

export interface FlagRow {
  uid: number;
  modseq: bigint;
  seen: boolean;
  answered: boolean;
  flagged: boolean;
  deleted: boolean;
  draft: boolean;
  keywords: string;
}

const FLAG_COLUMNS = {
  uid: true,
  modseq: true,
  seen: true,
  answered: true,
  flagged: true,
  deleted: true,
  draft: true,
  keywords: true,
} as const;

/** The five system flags as one number (see `readMessages`): the driver's cost is per value. */
const FLAG_BITS = 'seen + 2 * answered + 4 * flagged + 8 * deleted + 16 * draft';

function toFlagRow(row: unknown[]): FlagRow {
  const flags = Number(row[2]);
  return {
    uid: Number(row[0]),
    modseq: BigInt(row[1] as bigint | number),
    seen: (flags & 1) !== 0,
    answered: (flags & 2) !== 0,
    flagged: (flags & 4) !== 0,
    deleted: (flags & 8) !== 0,
    draft: (flags & 16) !== 0,
    keywords: String(row[3] ?? ''),
  };
}

/** Flag rows of some UIDs (a sync's FETCH FLAGS for others' changes). Plain SQL, as `readMessages`. */
export async function readFlags(folderId: number, uids: number[]): Promise<FlagRow[]> {
  const out: FlagRow[] = [];
  for (const batch of uidBatches(uids)) {
    const rows = await rawDb().readArrays(
      `SELECT uid, modseq, ${FLAG_BITS}, keywords FROM messages WHERE folder_id = ? AND uid >= ? AND uid <= ? ORDER BY uid`,
      [folderId, batch.first, batch.last],
    );
    for (const row of rows) if (batch.uids.has(Number(row[0]))) out.push(toFlagRow(row));
  }
  return out;
}

/** Flag rows changed after `modseq` (CONDSTORE FETCH CHANGEDSINCE, QRESYNC). */
export async function flagsChangedSince(folderId: number, modseq: bigint): Promise<FlagRow[]> {
  return db().message.findMany({
    where: { folderId, modseq: { gt: modseq } },
    select: FLAG_COLUMNS,
    orderBy: { uid: 'asc' },
  });
}

/** UIDs expunged after `modseq`, from the change feed (QRESYNC VANISHED). */
export async function expungedSince(folderId: number, modseq: bigint): Promise<number[]> {
  const rows = await db().mailChange.findMany({
    where: { folderId, kind: 'expunge', modseq: { gt: modseq } },
    select: { uid: true },
  });
  return rows.map((row) => row.uid);
}

export interface MessageRow extends FlagRow {
  id: number;
  internalDate: Date;
  size: number;
  blobSha256: string;
  envelope: string;
  bodyStructure: string;
  headerSize: number;
}

/**
 * Message rows for FETCH; the cached ENVELOPE / BODYSTRUCTURE JSON only when asked for. Raw SQL:
 * for a 10,000-message FETCH the ORM's row mapping costs more than the query (bench/imap.ts).
 */
export async function readMessages(
  folderId: number,
  uids: number[],
  cache: {
    envelope: boolean;
    structure: boolean;
    content?: boolean;
    internalDate?: boolean;
    modseq?: boolean;
  },
): Promise<MessageRow[]> {
  // content / internalDate / modseq false: those columns are left out (blobSha256 '', internalDate
  // epoch, modseq 0). The five system flags come as one number: the driver's cost is per value,
  // and a 10,000-message FETCH reads tens of thousands of rows.
  const content = cache.content ?? true;
  const internalDate = cache.internalDate ?? true;
  const columns = [
    'id',
    'uid',
    'seen + 2 * answered + 4 * flagged + 8 * deleted + 16 * draft',
    'keywords',
    'size',
  ];
  const optional = (wanted: boolean | undefined, ...names: string[]) =>
    wanted ? columns.push(...names) - names.length : -1;
  const modseqAt = optional(cache.modseq ?? true, 'modseq');
  const blobAt = optional(content, 'blob_sha256', 'header_size');
  const dateAt = optional(internalDate, 'internal_date');
  const envelopeAt = optional(cache.envelope, 'envelope');
  const structureAt = optional(cache.structure, 'body_structure');
  const sql = `SELECT ${columns.join(', ')} FROM messages WHERE folder_id = ? AND uid >= ? AND uid <= ? ORDER BY uid`;
  const out: MessageRow[] = [];
  for (const batch of uidBatches(uids, 5000)) {
    // Rows as arrays: no object per row to build.
    const rows = await rawDb().readArrays(sql, [folderId, batch.first, batch.last]);
    for (const row of rows) {
      const uid = Number(row[1]);
      if (!batch.uids.has(uid)) continue;
      const flags = Number(row[2]);
      out.push({
        id: Number(row[0]),
        uid,
        modseq: modseqAt >= 0 ? BigInt(row[modseqAt] as bigint | number) : 0n,
        seen: (flags & 1) !== 0,
        answered: (flags & 2) !== 0,
        flagged: (flags & 4) !== 0,
        deleted: (flags & 8) !== 0,
        draft: (flags & 16) !== 0,
        keywords: String(row[3] ?? ''),
        size: Number(row[4]),
        internalDate: dateAt >= 0 ? parseStoredDate(row[dateAt]) : new Date(0),
        blobSha256: blobAt >= 0 ? String(row[blobAt]) : '',
        headerSize: blobAt >= 0 ? Number(row[blobAt + 1]) : 0,
        envelope: envelopeAt >= 0 ? String(row[envelopeAt] ?? '') : '',
        bodyStructure: structureAt >= 0 ? String(row[structureAt] ?? '') : '',
      });
    }
  }
  return out;
}

/** The cached ENVELOPE JSON of messages by row id. */
export async function readEnvelopes(ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const part of chunks(ids)) {
    const rows = await rawDb().read<{ id: number; envelope: string }>(
      `SELECT id, envelope FROM messages WHERE id IN (${part.map(() => '?').join(', ')})`,
      part,
    );
    for (const row of rows) out.set(Number(row.id), String(row.envelope));
  }
  return out;
}

/** UIDs flagged \Deleted (all of the folder, or only among `within`), for EXPUNGE and CLOSE. */
export async function deletedUids(folderId: number, within?: number[]): Promise<number[]> {
  const rows = await rawDb().readArrays(
    'SELECT uid FROM messages WHERE folder_id = ? AND deleted = ? ORDER BY uid',
    [folderId, true],
  );
  const allowed = within ? new Set(within) : null;
  return rows.map((row) => Number(row[0])).filter((uid) => !allowed || allowed.has(uid));
}

/**
 * Claims \Recent (RFC 3501 section 2.3.2) for one session: UIDs above the folder's recent mark up
 * to `upToUid` are recent for the caller and for no one else (compare-and-set, so exactly one
 * session wins). Returns the old mark: the caller's recent UIDs are those above it.
 */
export async function claimRecent(folderId: number, upToUid: number): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const folder = { recentUid: await recentMark(folderId) };
    if (folder.recentUid >= upToUid) return upToUid;
    // One statement, but it can still wait out a lock or meet SQLITE_BUSY under load (retried).
    // Plain SQL: the ORM's updateMany cost several times the statement, on every sync with news.
    const claimed = await rawDb().update(
      'UPDATE folders SET recent_uid = ? WHERE id = ? AND recent_uid = ?',
      [upToUid, folderId, folder.recentUid],
      'claim recent',
    );
    if (claimed === 1) {
      forgetFolderState(folderId); // the remembered recent mark is now too low
      return folder.recentUid;
    }
  }
  return upToUid;
}

/** The recent mark without claiming (EXAMINE, STATUS). */
export async function recentMark(folderId: number): Promise<number> {
  const [folder] = await rawDb().readCached<{ recent_uid: number }>(
    'SELECT recent_uid FROM folders WHERE id = ?',
    [folderId],
  );
  if (!folder) throw new Error(`folder ${folderId} not found`);
  return Number(folder.recent_uid);
}

/** Keywords used by any message of the folder, for the FLAGS response. */
export async function folderKeywords(folderId: number): Promise<string[]> {
  const rows = await rawDb().read<{ keywords: string }>(
    "SELECT DISTINCT keywords FROM messages WHERE folder_id = ? AND keywords <> '' LIMIT 1000",
    [folderId],
  );
  const seen = new Map<string, string>();
  for (const row of rows)
    for (const word of row.keywords.split(' '))
      if (word && !seen.has(word.toLowerCase())) seen.set(word.toLowerCase(), word);
  return [...seen.values()];
}

export interface SortRow {
  uid: number;
  internalDate: Date;
  sentDate: Date | null;
  size: number;
  envelope: string;
}

/** What SORT and THREAD order by (RFC 5256): dates, size and the cached envelope. */
export async function readSortRows(folderId: number, uids: number[]): Promise<SortRow[]> {
  const out: SortRow[] = [];
  for (const batch of uidBatches(uids)) {
    const rows = await db().message.findMany({
      where: { folderId, uid: { gte: batch.first, lte: batch.last } },
      select: { uid: true, internalDate: true, sentDate: true, size: true, envelope: true },
    });
    for (const row of rows) if (batch.uids.has(row.uid)) out.push(row);
  }
  return out;
}

/** The References header of messages (THREAD=REFERENCES), read from the stored headers. */
export async function readReferences(folderId: number, uids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const rows: { uid: number; blobSha256: string }[] = [];
  for (const batch of uidBatches(uids)) {
    for (const row of await db().message.findMany({
      where: { folderId, uid: { gte: batch.first, lte: batch.last } },
      select: { uid: true, blobSha256: true },
    }))
      if (batch.uids.has(row.uid)) rows.push(row);
  }
  for (const row of rows) {
    const raw = await readBlob(row.blobSha256);
    const header = raw.subarray(0, headerLength(raw)).toString('latin1');
    const value = parseHeaderLines(header).find((h) => h.key === 'references')?.value;
    if (value) out.set(row.uid, value);
  }
  return out;
}
