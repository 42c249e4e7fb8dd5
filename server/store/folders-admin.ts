// Folder management for IMAP (CREATE/DELETE/RENAME/SUBSCRIBE, RFC 9051 sections 6.3.4-6.3.8) and
// the webmail: names are UTF-8 with "/" as the hierarchy delimiter; INBOX is case-insensitive.
//
// Every change to a user's folder set takes the user's row first (store lock order, index.ts), so
// creates, deletes and renames of one mailbox serialise, and against deliveries to it.
import { rawDb } from './raw';
import { db, writeTransaction } from '../core/db';
import { newUidValidity } from './folders';
import { cachedFolderState, forgetFolderStates } from './folder-state-cache';
import { blobsInLockOrder, lockFolderByName, lockFolders, lockingTx, lockUsers } from './locks';

export const DELIMITER = '/';
const SPECIAL_USES = new Set(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash']);

export class FolderError extends Error {
  constructor(
    readonly reason: 'exists' | 'missing' | 'invalid' | 'inbox' | 'special-use',
    message: string,
  ) {
    super(message);
    this.name = 'FolderError';
  }
}

export interface FolderInfo {
  id: number;
  name: string;
  specialUse: string | null;
  subscribed: boolean;
}

/** INBOX in any case is INBOX; trailing delimiters are dropped (RFC 9051 section 6.3.4). */
export function normaliseFolderName(name: string): string {
  const trimmed = name.endsWith(DELIMITER) ? name.slice(0, -1) : name;
  if (trimmed.toUpperCase() === 'INBOX') return 'INBOX';
  if (trimmed.toUpperCase().startsWith('INBOX/')) return `INBOX${trimmed.slice(5)}`;
  return trimmed;
}

function validate(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (
    !name ||
    name.length > 255 ||
    /[\x00-\x1f\x7f*%]/.test(name) ||
    name.split(DELIMITER).some((part) => part === '')
  ) {
    throw new FolderError('invalid', 'Invalid folder name');
  }
}

export async function listFolders(userId: number): Promise<FolderInfo[]> {
  // Plain SQL (LIST on every client's start-up): the ORM's findMany cost more than the query. The
  // order is the database's collation, as the ORM's orderBy was.
  const rows = await rawDb().readCached<{
    id: number;
    name: string;
    special_use: string | null;
    subscribed: number | boolean;
  }>('SELECT id, name, special_use, subscribed FROM folders WHERE user_id = ? ORDER BY name', [userId]);
  return rows.map((row) => ({
    id: Number(row.id),
    name: String(row.name),
    specialUse: row.special_use ?? null,
    subscribed: Boolean(row.subscribed),
  }));
}

type FoundFolder = FolderInfo & { uidValidity: number };

export async function findFolder(userId: number, name: string): Promise<FoundFolder | null> {
  // Plain SQL: every SELECT, STATUS and APPEND looks its folder up (the ORM cost more than the query).
  const raw = rawDb();
  const normalised = normaliseFolderName(name);
  const read = async (): Promise<FoundFolder | null> => {
    const [row] = await raw.readCached<{
      id: number;
      name: string;
      special_use: string | null;
      subscribed: number | boolean;
      uid_validity: number;
    }>('SELECT id, name, special_use, subscribed, uid_validity FROM folders WHERE user_id = ? AND name = ?', [
      userId,
      normalised,
    ]);
    return row
      ? {
          id: Number(row.id),
          name: String(row.name),
          specialUse: row.special_use ?? null,
          subscribed: Boolean(row.subscribed),
          uidValidity: Number(row.uid_validity),
        }
      : null;
  };
  // On MariaDB remembered like SELECT's state (folder-state-cache.ts): only this file's calls
  // change these columns, and they forget every entry. Not tied to the folder's id (-1): a message
  // change leaves them as they are.
  return raw.provider === 'mysql'
    ? cachedFolderState(`find\u0000${userId}\u0000${normalised}`, read, () => -1)
    : read();
}

/** Creates a folder; IMAP CREATE passes subscribe=false (RFC 9051 6.3.4: CREATE does not subscribe). */
export async function createFolder(
  userId: number,
  rawName: string,
  specialUse?: string[],
  subscribe = true,
): Promise<FolderInfo> {
  const name = normaliseFolderName(rawName);
  validate(name);
  const use = specialUse?.[0] ?? null;
  if (specialUse && (specialUse.length > 1 || (use && !SPECIAL_USES.has(use))))
    throw new FolderError('special-use', 'Unsupported special-use attribute');
  const created = await writeTransaction('create folder', async (tx) => {
    await lockUsers(lockingTx(tx), [userId]);
    if (await tx.folder.findUnique({ where: { userId_name: { userId, name } }, select: { id: true } }))
      throw new FolderError('exists', 'Folder already exists');
    // A subscription made before the folder existed (or kept from a deleted one) applies to it.
    const dangling = await tx.danglingSubscription.deleteMany({ where: { userId, name } });
    return tx.folder.create({
      data: {
        userId,
        name,
        specialUse: use,
        subscribed: subscribe || dangling.count > 0,
        uidValidity: newUidValidity(),
      },
      select: { id: true, name: true, specialUse: true, subscribed: true },
    });
  });
  forgetFolderStates();
  return created;
}

/** Deletes a folder and its messages (blob references and used bytes drop). Children stay. */
export async function deleteFolder(userId: number, rawName: string): Promise<void> {
  const name = normaliseFolderName(rawName);
  if (name === 'INBOX') throw new FolderError('inbox', 'INBOX cannot be deleted');
  await writeTransaction('delete folder', async (tx) => {
    const locking = lockingTx(tx);
    await lockUsers(locking, [userId]);
    // A locking read: the sums below then count every message, including one just moved in.
    const folder = await lockFolderByName(locking, userId, name);
    if (!folder) throw new FolderError('missing', 'No such folder');
    // RFC 9051 6.3.5: DELETE leaves the subscription in place.
    if (folder.subscribed)
      await tx.danglingSubscription.upsert({
        where: { userId_name: { userId, name } },
        create: { userId, name },
        update: {},
      });
    const perBlob = await tx.message.groupBy({
      by: ['blobSha256'],
      where: { folderId: folder.id },
      _count: { _all: true },
      _sum: { size: true },
    });
    const bytes = perBlob.reduce((sum, group) => sum + (group._sum.size ?? 0), 0);
    const references = new Map(perBlob.map((group) => [group.blobSha256, group._count._all]));
    for (const [sha256, count] of blobsInLockOrder(references))
      await tx.blob.update({ where: { sha256 }, data: { refCount: { decrement: count } } });
    if (bytes > 0) await tx.user.update({ where: { id: userId }, data: { usedBytes: { decrement: bytes } } });
    await tx.message.deleteMany({ where: { folderId: folder.id } });
    await tx.folder.delete({ where: { id: folder.id } });
  });
  forgetFolderStates();
}

/**
 * Renames a folder and everything under it. Renaming INBOX moves its messages into a new folder
 * and leaves INBOX empty (RFC 9051 section 6.3.6).
 */
export async function renameFolder(userId: number, rawFrom: string, rawTo: string): Promise<void> {
  const from = normaliseFolderName(rawFrom);
  const to = normaliseFolderName(rawTo);
  validate(to);
  if (to === 'INBOX') throw new FolderError('exists', 'INBOX already exists');
  await writeTransaction('rename folder', async (tx) => {
    const locking = lockingTx(tx);
    await lockUsers(locking, [userId]);
    // With the user's row held no folder of this user comes or goes, so these ids stay right; the
    // folders themselves are then locked in id order before anything reads their counters.
    const affected = await tx.folder.findMany({
      where: { userId, OR: [{ name: from }, { name: { startsWith: `${from}${DELIMITER}` } }] },
      select: { id: true, name: true },
    });
    const locked = await lockFolders(
      locking,
      affected.map((folder) => folder.id),
    );
    // Not `name === from`: MariaDB's collation may match the name in another case.
    const sourceId = affected.find((folder) => folder.name.length === from.length)?.id;
    const source = sourceId === undefined ? undefined : locked.get(sourceId);
    if (sourceId === undefined || !source) throw new FolderError('missing', 'No such folder');
    if (await tx.folder.findUnique({ where: { userId_name: { userId, name: to } }, select: { id: true } }))
      throw new FolderError('exists', 'Target folder already exists');
    if (to.startsWith(`${from}${DELIMITER}`))
      throw new FolderError('invalid', 'Cannot move a folder into itself');
    if (from === 'INBOX') {
      const target = await tx.folder.create({
        data: {
          userId,
          name: to,
          uidValidity: newUidValidity(),
          uidNext: source.uidNext,
          highestModseq: source.highestModseq,
        },
      });
      await tx.message.updateMany({ where: { folderId: sourceId }, data: { folderId: target.id } });
      return;
    }
    const children = affected.filter((folder) => folder.id !== sourceId);
    for (const child of children) {
      const newName = `${to}${child.name.slice(from.length)}`;
      if (
        await tx.folder.findUnique({
          where: { userId_name: { userId, name: newName } },
          select: { id: true },
        })
      )
        throw new FolderError('exists', `${newName} already exists`);
      await tx.folder.update({ where: { id: child.id }, data: { name: newName } });
    }
    await tx.folder.update({ where: { id: sourceId }, data: { name: to } });
  });
  forgetFolderStates();
}

/** SUBSCRIBE / UNSUBSCRIBE; a name with no folder is remembered (RFC 9051 6.3.7 allows it). */
export async function setSubscribed(userId: number, rawName: string, subscribed: boolean): Promise<void> {
  const name = normaliseFolderName(rawName);
  if (subscribed) validate(name);
  const result = await db().folder.updateMany({ where: { userId, name }, data: { subscribed } });
  forgetFolderStates();
  if (!subscribed) await db().danglingSubscription.deleteMany({ where: { userId, name } });
  else if (result.count === 0)
    await db().danglingSubscription.upsert({
      where: { userId_name: { userId, name } },
      create: { userId, name },
      update: {},
    });
}

/** Subscribed names that have no folder. */
export async function danglingSubscriptions(userId: number): Promise<string[]> {
  const rows = await db().danglingSubscription.findMany({
    where: { userId },
    select: { name: true },
    orderBy: { name: 'asc' },
  });
  return rows.map((row) => row.name);
}

export interface FolderStatus {
  messages: number;
  recent: number;
  unseen: number;
  deleted: number;
  size: number;
  uidNext: number;
  uidValidity: number;
  highestModseq: bigint;
}

/** One statement (one snapshot) on the read path: STATUS and LIST-STATUS ask this for every folder. */
const STATUS_SQL = `SELECT f.uid_next, f.uid_validity, f.highest_modseq,
  (SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id) AS messages,
  (SELECT COALESCE(SUM(m.size), 0) FROM messages m WHERE m.folder_id = f.id) AS size,
  (SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id AND m.seen = 0) AS unseen,
  (SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id AND m.deleted = 1) AS deleted,
  (SELECT COUNT(*) FROM messages m WHERE m.folder_id = f.id AND m.uid > f.recent_uid) AS recent
  FROM folders f WHERE f.id = ?`;

type StatusRow = Record<
  'uid_next' | 'uid_validity' | 'highest_modseq' | 'messages' | 'size' | 'unseen' | 'deleted' | 'recent',
  number | bigint | string
>;

export async function folderStatus(folderId: number): Promise<FolderStatus> {
  const [row] = await rawDb().readCached<StatusRow>(STATUS_SQL, [folderId]);
  if (!row) throw new Error(`folder ${folderId} not found`);
  return {
    messages: Number(row.messages),
    recent: Number(row.recent),
    unseen: Number(row.unseen),
    deleted: Number(row.deleted),
    size: Number(row.size),
    uidNext: Number(row.uid_next),
    uidValidity: Number(row.uid_validity),
    highestModseq: BigInt(row.highest_modseq),
  };
}

export async function userQuota(userId: number): Promise<{ usedBytes: bigint; quotaBytes: bigint }> {
  return db().user.findUniqueOrThrow({
    where: { id: userId },
    select: { usedBytes: true, quotaBytes: true },
  });
}
