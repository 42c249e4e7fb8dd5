// Putting messages into folders: the one path used by SMTP delivery, IMAP APPEND/COPY and the
// webmail. Content is fsynced first (blobs.ts); then UID, MODSEQ, the cached IMAP metadata, the
// blob reference, the quota and the change-feed row are committed in one transaction.
import { db, provider, type Tx } from '../core/db';
import { parseMessage, type ParsedMessage } from '../mime/parse';
import { writeBlob } from './blobs';
import { notifyChange } from './changes';

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
  messageId: number;
}

export class QuotaExceededError extends Error {
  constructor(readonly userId: number) {
    super('mailbox is over quota');
    this.name = 'QuotaExceededError';
  }
}

/** Allocates the next UID and MODSEQ of a folder; the row update serialises concurrent writers. */
export async function allocateUid(tx: Tx, folderId: number): Promise<{ uid: number; modseq: bigint; uidValidity: number }> {
  await tx.folder.update({ where: { id: folderId }, data: { uidNext: { increment: 1 }, highestModseq: { increment: 1 } } });
  const folder = await tx.folder.findUniqueOrThrow({ where: { id: folderId }, select: { uidNext: true, highestModseq: true, uidValidity: true } });
  return { uid: folder.uidNext - 1, modseq: folder.highestModseq, uidValidity: folder.uidValidity };
}

/** Creates the blob row or adds references to it, atomically (Prisma's upsert is not, on MySQL). */
export async function addBlobReferences(tx: Tx, hash: string, size: number, count: number): Promise<void> {
  const sql =
    provider() === 'mysql'
      ? 'INSERT INTO blobs (sha256, size, ref_count, created_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE ref_count = ref_count + VALUES(ref_count)'
      : 'INSERT INTO blobs (sha256, size, ref_count, created_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP) ON CONFLICT(sha256) DO UPDATE SET ref_count = ref_count + excluded.ref_count';
  await tx.$executeRawUnsafe(sql, hash, size, count);
}

/** Bumps a folder's HIGHESTMODSEQ and returns the new value. */
export async function nextModseq(tx: Tx, folderId: number): Promise<bigint> {
  const folder = await tx.folder.update({ where: { id: folderId }, data: { highestModseq: { increment: 1 } }, select: { highestModseq: true } });
  return folder.highestModseq;
}

async function insertMessage(tx: Tx, target: AppendTarget, hash: string, size: number, parsed: ParsedMessage, internalDate: Date): Promise<AppendResult> {
  const { uid, modseq, uidValidity } = await allocateUid(tx, target.folderId);
  const row = await tx.message.create({
    data: {
      folderId: target.folderId, uid, modseq, internalDate, size, blobSha256: hash,
      seen: !!target.flags?.seen, answered: !!target.flags?.answered, flagged: !!target.flags?.flagged,
      deleted: !!target.flags?.deleted, draft: !!target.flags?.draft, keywords: (target.keywords ?? []).join(' '),
      envelope: JSON.stringify(parsed.envelope), bodyStructure: JSON.stringify(parsed.bodyStructure), headerSize: parsed.headerSize,
      sentDate: parsed.sentDate, subject: parsed.subject, fromAddr: parsed.from, toAddr: parsed.to, ccAddr: parsed.cc,
      messageIdHdr: parsed.messageId, hasAttachment: parsed.hasAttachment,
    },
    select: { id: true },
  });
  await tx.mailChange.create({ data: { folderId: target.folderId, uid, modseq, kind: 'new' } });
  return { folderId: target.folderId, uid, uidValidity, modseq, messageId: row.id };
}

/**
 * Stores one message into one or more folders (of any mailboxes) durably. Quota is checked per
 * mailbox unless `ignoreQuota`; any mailbox over quota fails the whole call with QuotaExceededError.
 */
export async function appendMessage(
  raw: Buffer,
  targets: AppendTarget[],
  options: { internalDate?: Date; parsed?: ParsedMessage; ignoreQuota?: boolean } = {},
): Promise<AppendResult[]> {
  if (targets.length === 0) return [];
  const parsed = options.parsed ?? parseMessage(raw);
  const hash = await writeBlob(raw);
  const internalDate = options.internalDate ?? new Date();
  const results = await db().$transaction(async (tx) => {
    await addBlobReferences(tx, hash, raw.length, targets.length);
    const out: AppendResult[] = [];
    for (const target of targets) {
      const folder = await tx.folder.findUniqueOrThrow({ where: { id: target.folderId }, select: { userId: true } });
      const user = await tx.user.update({ where: { id: folder.userId }, data: { usedBytes: { increment: raw.length } }, select: { usedBytes: true, quotaBytes: true } });
      if (!options.ignoreQuota && user.quotaBytes > 0n && user.usedBytes > user.quotaBytes) throw new QuotaExceededError(folder.userId);
      out.push(await insertMessage(tx, target, hash, raw.length, parsed, internalDate));
    }
    return out;
  }, { timeout: 30_000 });
  for (const result of results) notifyChange(result.folderId);
  return results;
}

/** The folder of a mailbox by special use (e.g. \\Junk) or name; INBOX when neither matches. */
export async function findDeliveryFolder(userId: number, wanted: { specialUse?: string; name?: string } = {}): Promise<number> {
  if (wanted.specialUse) {
    const folder = await db().folder.findFirst({ where: { userId, specialUse: wanted.specialUse }, select: { id: true } });
    if (folder) return folder.id;
  }
  const folder = await db().folder.findFirst({ where: { userId, name: wanted.name ?? 'INBOX' }, select: { id: true } });
  if (folder) return folder.id;
  const inbox = await db().folder.findFirstOrThrow({ where: { userId, name: 'INBOX' }, select: { id: true } });
  return inbox.id;
}
