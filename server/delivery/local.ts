// Local delivery: one stored copy of the message linked into each target mailbox's INBOX (or
// Junk), quota enforced per mailbox. A mailbox that is over quota is left out and reported, so
// the caller can answer 452 4.2.2 or retry it later through the queue. A mailbox with Sieve
// scripts (server/rules) gets what they decide instead (sieve/): other folders and flags, an
// edited copy, nothing, or messages sent through the queue once its copies are committed.
import {
  appendMessage,
  appendSpooledMessage,
  findDeliveryFolder,
  QuotaExceededError,
  SpoolWriter,
  type AppendTarget,
  type SpooledBlob,
  type SpoolFile,
} from '../store';
import { UncertainCommitError } from '../store/raw';
import { parseMessage, parseMessageFile, type ParsedMessage } from '../mime/parse';
import { recordEventSoon, type EventInput } from '../core/events';
import { editedContent, headerBlock, type Content } from './sieve/content';
import { planSieveDelivery, type SievePlan } from './sieve/plan';
import { sendSieveMessages } from './sieve/send';

export interface LocalTarget {
  userId: number;
  address: string;
  junk?: boolean;
  /** The address as given in RCPT TO (an alias of the mailbox, say); `address` when absent. */
  recipient?: string;
}

/** Where the message comes from, for Sieve (envelope) and the journey (queue id). */
export interface LocalContext {
  queueId?: string;
  /** The envelope sender; '' is the null sender. */
  sender?: string;
  protocol?: EventInput['protocol'];
  clientIp?: string;
  /**
   * The caller can still refuse the message (SMTP, one recipient, one mailbox): an ereject is then
   * given back in `refused` for a 550 instead of an MDN (RFC 5429 section 2.1.1).
   */
  canRefuse?: boolean;
}

export interface LocalResult {
  delivered: LocalTarget[];
  overQuota: LocalTarget[];
  /** Queue ids of what the mailboxes' scripts sent (redirects, replies, rejections): wake the queue. */
  queued: string[];
  /** An ereject's reason, when `canRefuse` was given and the script rejected the message. */
  refused?: string;
}

// The delivery folder of a mailbox barely ever changes: remember it briefly (one query less per
// message); a stale entry is dropped when the append fails and the append is tried once more.
const FOLDER_TTL_MS = 30_000;
const folderCache = new Map<string, { folderId: number; until: number }>();

function folderKey(target: LocalTarget): string {
  return `${target.userId}:${target.junk ? 'junk' : 'inbox'}`;
}

async function deliveryFolder(target: LocalTarget): Promise<number> {
  const key = folderKey(target);
  const cached = folderCache.get(key);
  if (cached && cached.until > Date.now()) return cached.folderId;
  const folderId = await findDeliveryFolder(target.userId, target.junk ? { specialUse: '\\Junk' } : {});
  folderCache.set(key, { folderId, until: Date.now() + FOLDER_TTL_MS });
  return folderId;
}

/** One mailbox's part: the folders to store into (none: discarded or sent on) and its plan. */
interface Entry {
  target: LocalTarget;
  stores: AppendTarget[];
  plan: SievePlan | null;
}

export async function deliverLocal(
  content: Buffer | SpooledBlob,
  targets: LocalTarget[],
  context: LocalContext = {},
): Promise<LocalResult> {
  return deliverOnce(content, targets, context, false);
}

async function deliverOnce(
  content: Content,
  targets: LocalTarget[],
  context: LocalContext,
  retried: boolean,
): Promise<LocalResult> {
  const unique = [...new Map(targets.map((target) => [target.userId, target])).values()];
  const parsed = Buffer.isBuffer(content) ? parseMessage(content) : parseMessageFile(content.path);
  let header: Promise<string> | undefined;
  const readHeader = () => (header ??= headerBlock(content, parsed.headerSize));
  const receivedAt = new Date();
  const entries: Entry[] = [];
  for (const target of unique) {
    const folderId = await deliveryFolder(target);
    const plan = await planSieveDelivery({
      content,
      header: readHeader,
      userId: target.userId,
      user: target.address,
      recipient: target.recipient ?? target.address,
      sender: context.sender ?? '',
      keepFolderId: folderId,
      receivedAt,
    });
    const stores = plan
      ? plan.stores.map(({ folderId, flags, keywords }) => ({ folderId, flags, keywords }))
      : [{ folderId }];
    entries.push({ target, stores, plan });
  }
  const delivered: Entry[] = [];
  const overQuota: LocalTarget[] = [];
  const edited: SpooledBlob[] = [];
  let appended = false;
  try {
    // Unedited copies are one blob linked into every folder; an edited copy is its own.
    const groups: { content: Content; parsed: ParsedMessage; entries: Entry[] }[] = [
      {
        content,
        parsed,
        entries: entries.filter((entry) => !entry.plan?.edits.length || !entry.stores.length),
      },
    ];
    for (const entry of entries) {
      if (!entry.plan?.edits.length || !entry.stores.length) continue;
      const copy = await editedContent(content, parsed.headerSize, entry.plan.edits);
      if (!Buffer.isBuffer(copy)) edited.push(copy);
      groups.push({
        content: copy,
        parsed: Buffer.isBuffer(copy) ? parseMessage(copy) : parseMessageFile(copy.path),
        entries: [entry],
      });
    }
    for (const group of groups) {
      const result = await appendGroup(group.content, group.parsed, group.entries);
      appended ||= result.stored;
      delivered.push(...result.delivered);
      overQuota.push(...result.overQuota.map((entry) => entry.target));
    }
  } catch (error) {
    if (error instanceof QuotaExceededError) throw error;
    // A cached folder may be gone (deleted, recreated): look them up again, once, if nothing was stored.
    // Not after a COMMIT whose outcome is unknown (connection lost during it): it may have stored the
    // message, and running the append again would store it twice (test/integration/delivery-uncertain-commit).
    if (
      retried ||
      appended ||
      error instanceof UncertainCommitError ||
      !unique.some((target) => folderCache.has(folderKey(target)))
    )
      throw error;
    for (const target of unique) folderCache.delete(folderKey(target));
    return deliverOnce(content, targets, context, true);
  } finally {
    for (const copy of edited) await copy.discard();
  }
  const queued: string[] = [];
  let refused: string | undefined;
  for (const entry of delivered) {
    if (!entry.plan) continue;
    const refuseInReply =
      context.canRefuse === true && unique.length === 1 && entry.plan.reject?.extended === true;
    const sent = await sendSieveMessages(entry.plan, {
      content,
      header: await readHeader(),
      userId: entry.target.userId,
      user: entry.target.address,
      sender: context.sender ?? '',
      refuseInReply,
    });
    if (refuseInReply) refused = entry.plan.reject!.reason;
    queued.push(...sent.queued);
    recordSieveEvent(entry, context, sent.queued, sent.notes);
  }
  return { delivered: delivered.map((entry) => entry.target), overQuota, queued, refused };
}

/** Stores one content into its entries' folders; a mailbox over quota is dropped and the rest tried again. */
async function appendGroup(
  content: Content,
  parsed: ParsedMessage,
  entries: Entry[],
): Promise<{ delivered: Entry[]; overQuota: Entry[]; stored: boolean }> {
  let remaining = entries;
  const overQuota: Entry[] = [];
  while (remaining.some((entry) => entry.stores.length > 0)) {
    const appendTargets = remaining.flatMap((entry) => entry.stores);
    try {
      if (Buffer.isBuffer(content)) await appendMessage(content, appendTargets, { parsed });
      else await appendSpooledMessage(content, appendTargets, { parsed });
      return { delivered: remaining, overQuota, stored: true };
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      const full = remaining.find((entry) => entry.target.userId === error.userId);
      if (!full) throw error;
      overQuota.push(full);
      remaining = remaining.filter((entry) => entry !== full);
    }
  }
  // Nothing left to store (discarded, redirected or rejected by a script): done as it stands.
  return { delivered: remaining, overQuota, stored: false };
}

function outcome(plan: SievePlan, queued: string[]): string {
  if (plan.notes.some((note) => note.startsWith('sieve'))) return 'error';
  if (plan.reject) return 'rejected';
  if (plan.stores.length === 0) return plan.redirects.length > 0 ? 'redirected' : 'discarded';
  if (plan.actions.some((action) => action.startsWith('fileinto'))) return 'filed';
  return queued.length > 0 ? 'kept_and_sent' : 'kept';
}

function recordSieveEvent(entry: Entry, context: LocalContext, queued: string[], notes: string[]): void {
  const plan = entry.plan!;
  recordEventSoon({
    protocol: context.protocol ?? 'smtp',
    action: 'sieve',
    result: outcome(plan, queued),
    queueId: context.queueId,
    clientIp: context.clientIp,
    user: entry.target.address,
    detail: {
      scripts: plan.scripts,
      actions: plan.actions,
      ...(plan.edits.length > 0 ? { headerEdits: plan.edits.length } : {}),
      ...(queued.length > 0 ? { sent: queued } : {}),
      ...(plan.notes.length + notes.length > 0 ? { notes: [...plan.notes, ...notes] } : {}),
    },
  });
}

/** Return-Path (RFC 5321 4.4) goes on at final delivery; Delivered-To marks the mailbox (loop guard). */
function localPrefix(message: { sender: string; trace: string }, deliveredTo: string | null): string {
  return `Return-Path: <${message.sender}>\r\n${deliveredTo ? `Delivered-To: ${deliveredTo}\r\n` : ''}${message.trace}`;
}

export function localCopy(
  message: { sender: string; trace: string; body: Buffer },
  deliveredTo: string | null,
): Buffer {
  return Buffer.concat([Buffer.from(localPrefix(message, deliveredTo)), message.body]);
}

/**
 * A message received to disk (smtp/data.ts): its header as it is to be stored (in memory, small)
 * and the rest of it in the spool file from `bodyStart` on.
 */
export interface SpooledBody {
  head: Buffer;
  file: SpoolFile;
  bodyStart: number;
}

/**
 * localCopy for a message received to disk (one kept in memory takes localCopy): the prefix and
 * the header are written into a new blob and the body is copied after them from the spool file,
 * hashing as it goes; nothing holds the message.
 */
export async function spooledLocalCopy(
  message: { sender: string; trace: string; body: SpooledBody },
  deliveredTo: string | null,
): Promise<SpooledBlob> {
  const writer = await SpoolWriter.open();
  const { head, file, bodyStart } = message.body;
  try {
    const prefix = Buffer.from(localPrefix(message, deliveredTo));
    await writer.write(prefix);
    await writer.write(head);
    await writer.copyFrom(file.path, bodyStart, file.size);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.finishBlob();
}
