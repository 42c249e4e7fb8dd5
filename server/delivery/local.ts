// Local delivery: one stored copy of the message linked into each target mailbox's INBOX (or
// Junk), quota enforced per mailbox. A mailbox that is over quota is left out and reported, so
// the caller can answer 452 4.2.2 or retry it later through the queue.
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
import { parseMessage, parseMessageFile } from '../mime/parse';

export interface LocalTarget {
  userId: number;
  address: string;
  junk?: boolean;
}

export interface LocalResult {
  delivered: LocalTarget[];
  overQuota: LocalTarget[];
}

// The delivery folder of a mailbox barely ever changes: remember it briefly (one query less per
// message); a stale entry is dropped when the append fails and the append is tried once more.
const FOLDER_TTL_MS = 30_000;
const folderCache = new Map<string, { folderId: number; until: number }>();

async function deliveryFolder(target: LocalTarget): Promise<number> {
  const key = `${target.userId}:${target.junk ? 'junk' : 'inbox'}`;
  const cached = folderCache.get(key);
  if (cached && cached.until > Date.now()) return cached.folderId;
  const folderId = await findDeliveryFolder(target.userId, target.junk ? { specialUse: '\\Junk' } : {});
  folderCache.set(key, { folderId, until: Date.now() + FOLDER_TTL_MS });
  return folderId;
}

export async function deliverLocal(
  content: Buffer | SpooledBlob,
  targets: LocalTarget[],
  retried = false,
): Promise<LocalResult> {
  const unique = [...new Map(targets.map((target) => [target.userId, target])).values()];
  const folders = new Map<number, number>();
  for (const target of unique) folders.set(target.userId, await deliveryFolder(target));
  const parsed = Buffer.isBuffer(content) ? parseMessage(content) : parseMessageFile(content.path);
  let remaining = unique;
  const overQuota: LocalTarget[] = [];
  // appendMessage fails the whole call when one mailbox is full: drop that one and try again.
  while (remaining.length > 0) {
    const appendTargets: AppendTarget[] = remaining.map((target) => ({
      folderId: folders.get(target.userId)!,
    }));
    try {
      if (Buffer.isBuffer(content)) await appendMessage(content, appendTargets, { parsed });
      else await appendSpooledMessage(content, appendTargets, { parsed });
      return { delivered: remaining, overQuota };
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) {
        if (
          retried ||
          !unique.some((target) => folderCache.has(`${target.userId}:${target.junk ? 'junk' : 'inbox'}`))
        )
          throw error;
        for (const target of unique) folderCache.delete(`${target.userId}:${target.junk ? 'junk' : 'inbox'}`);
        const again = await deliverLocal(content, remaining, true);
        return { delivered: again.delivered, overQuota: [...overQuota, ...again.overQuota] };
      }
      const full = remaining.find((target) => target.userId === error.userId);
      if (!full) throw error;
      overQuota.push(full);
      remaining = remaining.filter((target) => target !== full);
    }
  }
  return { delivered: [], overQuota };
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
 * localCopy for a spooled message: the prefix and the header are written into a new blob and the
 * body is copied after them from the spool file, hashing as it goes; nothing holds the message.
 */
export async function spooledLocalCopy(
  message: { sender: string; trace: string; body: SpooledBody },
  deliveredTo: string | null,
): Promise<SpooledBlob> {
  const writer = await SpoolWriter.open();
  try {
    await writer.write(Buffer.from(localPrefix(message, deliveredTo)));
    await writer.write(message.body.head);
    await writer.copyFrom(message.body.file.path, message.body.bodyStart, message.body.file.size);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.finishBlob();
}
