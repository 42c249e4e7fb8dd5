// Local delivery: one stored copy of the message linked into each target mailbox's INBOX (or
// Junk), quota enforced per mailbox. A mailbox that is over quota is left out and reported, so
// the caller can answer 452 4.2.2 or retry it later through the queue.
import { appendMessage, findDeliveryFolder, QuotaExceededError, type AppendTarget } from '../store';
import { parseMessage } from '../mime/parse';

export interface LocalTarget {
  userId: number;
  address: string;
  junk?: boolean;
}

export interface LocalResult {
  delivered: LocalTarget[];
  overQuota: LocalTarget[];
}

export async function deliverLocal(content: Buffer, targets: LocalTarget[]): Promise<LocalResult> {
  const unique = [...new Map(targets.map((target) => [target.userId, target])).values()];
  const folders = new Map<number, number>();
  for (const target of unique) folders.set(target.userId, await findDeliveryFolder(target.userId, target.junk ? { specialUse: '\\Junk' } : {}));
  const parsed = parseMessage(content);
  let remaining = unique;
  const overQuota: LocalTarget[] = [];
  // appendMessage fails the whole call when one mailbox is full: drop that one and try again.
  while (remaining.length > 0) {
    const appendTargets: AppendTarget[] = remaining.map((target) => ({ folderId: folders.get(target.userId)! }));
    try {
      await appendMessage(content, appendTargets, { parsed });
      return { delivered: remaining, overQuota };
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      const full = remaining.find((target) => target.userId === error.userId);
      if (!full) throw error;
      overQuota.push(full);
      remaining = remaining.filter((target) => target !== full);
    }
  }
  return { delivered: [], overQuota };
}
