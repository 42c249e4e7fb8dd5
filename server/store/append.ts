// Putting messages into folders: the one path used by SMTP delivery, IMAP APPEND/COPY and the
// webmail. Content is fsynced first (blobs.ts); then UID, MODSEQ, the cached IMAP metadata, the
// blob reference, the quota and the change-feed row are committed in one transaction. Small
// content (blob-store.ts, inlineBlobBytes) is not written first: it goes into that transaction.
//
// Concurrent appends in this process are group-committed: while one transaction commits, new
// appends queue up and go together in the next, so a burst of deliveries costs one commit (one
// fsync) per batch instead of one per message. Nobody is answered before their batch commits.
import { db, provider, type Tx } from '../core/db';
import { parseMessage, parseMessageFile, type ParsedMessage } from '../mime/parse';
import { ensureBlob, inlineBlobBytes, writeBlob } from './blob-store';
import { insertChunkSql } from './blob-store-db';
import { sha256 } from './blobs';
import type { SpooledBlob } from './spool';
import { notifyChange } from './changes';
import { folderOwner } from './folder-counts';
import { lockFolders, lockUsers, type LockedFolder, type LockingTx } from './locks';
import { UncertainCommitError, rawDb, type RawTx, type SqlValue } from './raw';

export interface SystemFlags {
  seen?: boolean;
  answered?: boolean;
  flagged?: boolean;
  deleted?: boolean;
  draft?: boolean;
}

export interface AppendTarget {
  folderId: number;
  flags?: SystemFlags;
  keywords?: string[];
}

export interface AppendResult {
  folderId: number;
  uid: number;
  uidValidity: number;
  modseq: bigint;
}

export class QuotaExceededError extends Error {
  constructor(readonly userId: number) {
    super('mailbox is over quota');
    this.name = 'QuotaExceededError';
  }
}

interface PendingAppend {
  hash: string;
  /** In memory, or already in place as a blob whose spool file can place it again (spool.ts). */
  content: Buffer | SpooledBlob;
  /** The content goes into the database with the batch (small; not written anywhere before). */
  inline: boolean;
  size: number;
  parsed: ParsedMessage;
  targets: AppendTarget[];
  internalDate: Date;
  ignoreQuota: boolean;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 200;
const pending: PendingAppend[] = [];
let flushing = false;

/**
 * Stores one message into one or more folders (of any mailboxes) durably. Quota is checked per
 * mailbox unless `ignoreQuota`; any mailbox over quota fails the whole call with QuotaExceededError.
 */
export async function appendMessage(
  raw: Buffer,
  targets: AppendTarget[],
  options: AppendOptions = {},
): Promise<AppendResult[]> {
  if (targets.length === 0) return [];
  const parsed = options.parsed ?? parseMessage(raw);
  const { hash, inline } = await prepareContent(raw);
  return enqueueAppend(hash, raw, inline, parsed, targets, options);
}

/**
 * The content's hash; its file is written and fsynced first unless it is small enough to go into
 * the batch's transaction instead (`inline`).
 */
async function prepareContent(raw: Buffer): Promise<{ hash: string; inline: boolean }> {
  const inline = raw.length <= inlineBlobBytes();
  return { hash: inline ? sha256(raw) : await writeBlob(raw), inline };
}

/**
 * Appends several messages whose UIDs must follow the order given (imports): their blobs are
 * written concurrently, then they join the next commit together, in order.
 */
export async function appendMessagesInOrder(
  items: { raw: Buffer; targets: AppendTarget[]; options?: AppendOptions }[],
): Promise<AppendResult[][]> {
  const prepared = await Promise.all(
    items.map(async (item) => ({
      item,
      parsed: item.options?.parsed ?? parseMessage(item.raw),
      ...(await prepareContent(item.raw)),
    })),
  );
  return Promise.all(
    prepared.map(({ item, parsed, hash, inline }) =>
      item.targets.length === 0
        ? Promise.resolve([])
        : enqueueAppend(hash, item.raw, inline, parsed, item.targets, item.options ?? {}),
    ),
  );
}

export interface AppendOptions {
  internalDate?: Date;
  parsed?: ParsedMessage;
  ignoreQuota?: boolean;
}

/**
 * appendMessage for content received to disk (spool.ts): the blob is already fsynced and in
 * place; it is parsed from its file, never read whole into memory. The caller discards the spool
 * file once this has returned or failed.
 */
export async function appendSpooledMessage(
  blob: SpooledBlob,
  targets: AppendTarget[],
  options: AppendOptions = {},
): Promise<AppendResult[]> {
  if (targets.length === 0) return [];
  const parsed = options.parsed ?? parseMessageFile(blob.path);
  return enqueueAppend(blob.hash, blob, false, parsed, targets, options);
}

function enqueueAppend(
  hash: string,
  content: Buffer | SpooledBlob,
  inline: boolean,
  parsed: ParsedMessage,
  targets: AppendTarget[],
  options: AppendOptions,
): Promise<AppendResult[]> {
  return new Promise((resolve, reject) => {
    pending.push({
      hash,
      content,
      inline,
      size: Buffer.isBuffer(content) ? content.length : content.size,
      parsed,
      targets,
      internalDate: options.internalDate ?? new Date(),
      ignoreQuota: !!options.ignoreQuota,
      resolve,
      reject,
    });
    if (!flushing) {
      flushing = true;
      setImmediate(() => void flush());
    }
  });
}

async function flush(): Promise<void> {
  while (pending.length > 0) {
    const batch = pending.splice(0, MAX_BATCH);
    try {
      await commitBatch(batch);
    } catch (error) {
      // One bad append must not fail its neighbours: retry them one by one. Not a batch that may
      // have committed (WAL not synced, connection lost during COMMIT): that would store it twice.
      if (batch.length === 1 || error instanceof UncertainCommitError)
        for (const item of batch) item.reject(error);
      else
        for (const item of batch) await commitBatch([item]).catch((single: unknown) => item.reject(single));
    }
  }
  flushing = false;
}

function sortedUnique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function placeholders(count: number): string {
  return Array(count).fill('?').join(', ');
}

async function commitBatch(batch: PendingAppend[]): Promise<void> {
  const raw = rawDb();
  const folderIds = sortedUnique(batch.flatMap((item) => item.targets.map((target) => target.folderId)));
  // Owners first, outside the transaction (a folder never changes owner: remembered per process,
  // folder-counts.ts), so the transaction can lock users before folders, in the store's order (index.ts).
  const owners = await Promise.all(folderIds.map((id) => folderOwner(id)));
  const userIds = sortedUnique(owners.filter((owner) => owner !== null));
  const outcome = await raw.transaction(async (plainTx) => {
    const tx: LockingTx = { ...plainTx, dialect: raw.provider };
    // Both locks in one round trip (pipelined, see RawTx), users first as the lock order says.
    const [users, folders] = await Promise.all([lockUsers(tx, userIds), lockFolders(tx, folderIds)]);
    const usage = new Map([...users].map(([id, user]) => [id, { ...user, added: 0n }]));

    // Quota first, so a full mailbox fails only its own append.
    const accepted: PendingAppend[] = [];
    const refused = new Map<PendingAppend, unknown>();
    for (const item of batch) {
      const missing = item.targets.find((target) => !usage.has(folders.get(target.folderId)?.userId ?? -1));
      if (missing) {
        refused.set(item, new Error(`folder ${missing.folderId} does not exist`));
        continue;
      }
      const extra = new Map<number, bigint>();
      for (const target of item.targets) {
        const owner = folders.get(target.folderId)!.userId;
        extra.set(owner, (extra.get(owner) ?? 0n) + BigInt(item.size));
      }
      const full = [...extra].find(([owner, bytes]) => {
        const user = usage.get(owner)!;
        return (
          !item.ignoreQuota && user.quotaBytes > 0n && user.usedBytes + user.added + bytes > user.quotaBytes
        );
      });
      if (full) {
        refused.set(item, new QuotaExceededError(full[0]));
        continue;
      }
      for (const [owner, bytes] of extra) usage.get(owner)!.added += bytes;
      accepted.push(item);
    }
    if (accepted.length === 0)
      return { accepted, refused, results: new Map<PendingAppend, AppendResult[]>() };

    // Every write's values are known now: they go out together (pipelined), in the lock order.
    const writes: Promise<void>[] = [];
    for (const [userId, user] of usage) {
      if (user.added > 0n)
        writes.push(
          tx.run('UPDATE users SET used_bytes = used_bytes + ? WHERE id = ?', [user.added, userId]),
        );
    }
    addBlobReferencesRaw(tx, raw.provider, accepted, writes);
    addInlineContent(tx, accepted, writes);
    const results = insertMessages(tx, raw.date, folders, accepted, writes);
    await Promise.all(writes);
    return { accepted, refused, results };
  }, 'append');
  for (const [item, error] of outcome.refused) item.reject(error);
  // The collector may have removed a then unreferenced file before this commit (blobs.ts). Never
  // throw from here: the batch is committed, and flush() would commit it a second time.
  // Inline content committed with its reference, so nothing can have collected it in between.
  const unwritten = new Map<string, unknown>();
  const written = outcome.accepted.filter((item) => !item.inline);
  for (const [hash, content] of new Map(written.map((item) => [item.hash, item.content])))
    await (Buffer.isBuffer(content)
      ? ensureBlob(hash, content.length, content)
      : content.ensurePlaced()
    ).catch((error: unknown) => unwritten.set(hash, error));
  const touched = new Set<number>();
  for (const item of outcome.accepted) {
    if (unwritten.has(item.hash)) {
      item.reject(unwritten.get(item.hash));
      continue;
    }
    const results = outcome.results.get(item)!;
    for (const result of results) touched.add(result.folderId);
    item.resolve(results);
  }
  for (const folderId of touched) notifyChange(folderId);
}

function addBlobReferencesRaw(
  tx: RawTx,
  dialect: 'mysql' | 'sqlite',
  items: PendingAppend[],
  writes: Promise<void>[],
): void {
  const references = new Map<string, { size: number; count: number }>();
  for (const item of items) {
    const entry = references.get(item.hash) ?? { size: item.size, count: 0 };
    entry.count += item.targets.length;
    references.set(item.hash, entry);
  }
  // sha256 order: blob rows are shared between mailboxes, so every writer takes them in one order.
  // Many rows a statement: each is a round trip made while the batch holds its folders' locks.
  const sorted = [...references].sort(([a], [b]) => (a < b ? -1 : 1));
  for (let start = 0; start < sorted.length; start += ROWS_PER_INSERT) {
    const chunk = sorted.slice(start, start + ROWS_PER_INSERT);
    writes.push(
      tx.run(
        blobReferenceSql(dialect, chunk.length),
        chunk.flatMap(([hash, { size, count }]) => [hash, size, count]),
      ),
    );
  }
}

/**
 * The content of inline items as chunk rows, after every blob row (the collector holds a blob row
 * while it deletes the chunks, gc.ts, so waiting on that row first means the insert finds them
 * gone, never about to go), in sha256 order as the blob rows.
 */
function addInlineContent(tx: RawTx, items: PendingAppend[], writes: Promise<void>[]): void {
  const contents = new Map<string, Buffer>();
  for (const item of items) if (item.inline) contents.set(item.hash, item.content as Buffer);
  const sql = insertChunkSql();
  for (const hash of [...contents.keys()].sort()) writes.push(tx.run(sql, [hash, 0, contents.get(hash)!]));
}

function blobReferenceSql(dialect: 'mysql' | 'sqlite', rows: number): string {
  const now = dialect === 'mysql' ? 'CURRENT_TIMESTAMP(3)' : "strftime('%Y-%m-%dT%H:%M:%fZ')";
  const values = Array.from({ length: rows }, () => `(?, ?, ?, ${now})`).join(', ');
  return dialect === 'mysql'
    ? `INSERT INTO blobs (sha256, size, ref_count, created_at) VALUES ${values} ON DUPLICATE KEY UPDATE ref_count = ref_count + VALUES(ref_count)`
    : `INSERT INTO blobs (sha256, size, ref_count, created_at) VALUES ${values} ON CONFLICT(sha256) DO UPDATE SET ref_count = ref_count + excluded.ref_count`;
}

const MESSAGE_COLUMNS =
  'folder_id, uid, modseq, seen, answered, flagged, deleted, draft, keywords, internal_date, size, blob_sha256, envelope, body_structure, header_size, sent_date, subject, from_addr, to_addr, cc_addr, message_id, has_attachment';
const MESSAGE_WIDTH = MESSAGE_COLUMNS.split(',').length;
const ROWS_PER_INSERT = 50;

/** Reserves a block of UIDs and MODSEQs per (locked) folder, then inserts the rows (into `writes`). */
function insertMessages(
  tx: RawTx,
  date: (value: Date) => string,
  folders: Map<number, LockedFolder>,
  items: PendingAppend[],
  writes: Promise<void>[],
): Map<PendingAppend, AppendResult[]> {
  const perFolder = new Map<number, number>();
  for (const item of items)
    for (const target of item.targets)
      perFolder.set(target.folderId, (perFolder.get(target.folderId) ?? 0) + 1);
  const next = new Map<number, { uid: number; modseq: bigint; uidValidity: number }>();
  for (const folderId of [...perFolder.keys()].sort((a, b) => a - b)) {
    const count = perFolder.get(folderId)!;
    const folder = folders.get(folderId)!;
    writes.push(
      tx.run('UPDATE folders SET uid_next = uid_next + ?, highest_modseq = highest_modseq + ? WHERE id = ?', [
        count,
        count,
        folderId,
      ]),
    );
    next.set(folderId, {
      uid: folder.uidNext,
      modseq: folder.highestModseq + 1n,
      uidValidity: folder.uidValidity,
    });
  }
  const results = new Map<PendingAppend, AppendResult[]>();
  const rows: SqlValue[][] = [];
  for (const item of items) {
    const parsed = item.parsed;
    const list: AppendResult[] = [];
    for (const target of item.targets) {
      const slot = next.get(target.folderId)!;
      const flags = target.flags ?? {};
      rows.push([
        target.folderId,
        slot.uid,
        slot.modseq,
        !!flags.seen,
        !!flags.answered,
        !!flags.flagged,
        !!flags.deleted,
        !!flags.draft,
        (target.keywords ?? []).join(' '),
        date(item.internalDate),
        item.size,
        item.hash,
        JSON.stringify(parsed.envelope),
        JSON.stringify(parsed.bodyStructure),
        parsed.headerSize,
        parsed.sentDate ? date(parsed.sentDate) : null,
        parsed.subject,
        parsed.from,
        parsed.to,
        parsed.cc,
        parsed.messageId,
        parsed.hasAttachment,
      ]);
      list.push({
        folderId: target.folderId,
        uid: slot.uid,
        uidValidity: slot.uidValidity,
        modseq: slot.modseq,
      });
      slot.uid += 1;
      slot.modseq += 1n;
    }
    results.set(item, list);
  }
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const values = chunk.map(() => `(${placeholders(MESSAGE_WIDTH)})`).join(', ');
    writes.push(tx.run(`INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES ${values}`, chunk.flat()));
    const changes = chunk.map(() => '(?, ?, ?, ?)').join(', ');
    writes.push(
      tx.run(
        `INSERT INTO mail_changes (folder_id, uid, modseq, kind) VALUES ${changes}`,
        chunk.flatMap((row) => [row[0]!, row[1]!, row[2]!, 'new']),
      ),
    );
  }
  return results;
}

/** Allocates the next UID and MODSEQ of a folder inside a Prisma transaction (IMAP COPY/MOVE). */
export async function allocateUid(
  tx: Tx,
  folderId: number,
): Promise<{ uid: number; modseq: bigint; uidValidity: number }> {
  await tx.folder.update({
    where: { id: folderId },
    data: { uidNext: { increment: 1 }, highestModseq: { increment: 1 } },
  });
  const folder = await tx.folder.findUniqueOrThrow({
    where: { id: folderId },
    select: { uidNext: true, highestModseq: true, uidValidity: true },
  });
  return { uid: folder.uidNext - 1, modseq: folder.highestModseq, uidValidity: folder.uidValidity };
}

/** Creates the blob row or adds references to it, atomically (Prisma's upsert is not, on MySQL). */
export async function addBlobReferences(tx: Tx, hash: string, size: number, count: number): Promise<void> {
  await tx.$executeRawUnsafe(blobReferenceSql(provider(), 1), hash, size, count);
}

/** Bumps a folder's HIGHESTMODSEQ and returns the new value. */
export async function nextModseq(tx: Tx, folderId: number): Promise<bigint> {
  const folder = await tx.folder.update({
    where: { id: folderId },
    data: { highestModseq: { increment: 1 } },
    select: { highestModseq: true },
  });
  return folder.highestModseq;
}
export async function findDeliveryFolder(
  userId: number,
  wanted: { specialUse?: string; name?: string } = {},
): Promise<number> {
  if (wanted.specialUse) {
    const folder = await db().folder.findFirst({
      where: { userId, specialUse: wanted.specialUse },
      select: { id: true },
    });
    if (folder) return folder.id;
  }
  const folder = await db().folder.findFirst({
    where: { userId, name: wanted.name ?? 'INBOX' },
    select: { id: true },
  });
  if (folder) return folder.id;
  const inbox = await db().folder.findFirstOrThrow({
    where: { userId, name: 'INBOX' },
    select: { id: true },
  });
  return inbox.id;
}
