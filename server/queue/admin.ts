// What the console's queue page and `postroom queue ...` do: list, retry now, retry all, delete,
// bounce now. Only a super admin touches the queue.
import { db } from '../core/db';
import { recordEvent } from '../core/events';
import { readBlob } from '../store';
import { SYSTEM_ACTOR, type Actor, NotFoundError } from '../domain';
import { requireSuper } from '../domain/rights';
import { ACTIVE } from './claim';
import { dsnRecipient } from './dsn';
import { removeEntry, notifySender } from './finish';
import { wakeQueueRunners } from './runner';

export interface QueueView {
  queueId: string;
  sender: string;
  size: number;
  status: string;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date;
  lastReply: string | null;
  recipients: { address: string; status: string; lastReply: string | null }[];
}

export async function listQueue(
  options: { search?: string; limit?: number } = {},
  actor: Actor = SYSTEM_ACTOR,
): Promise<QueueView[]> {
  requireSuper(actor);
  const search = options.search?.trim().toLowerCase();
  const rows = await db().queueEntry.findMany({
    where: {
      status: { in: ACTIVE },
      ...(search
        ? {
            OR: [
              { sender: { contains: search } },
              { queueId: { contains: search.toUpperCase() } },
              { recipients: { some: { address: { contains: search } } } },
            ],
          }
        : {}),
    },
    include: { recipients: true },
    orderBy: { createdAt: 'asc' },
    take: Math.min(options.limit ?? 200, 1000),
  });
  return rows.map((row) => ({
    queueId: row.queueId,
    sender: row.sender,
    size: row.size,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt,
    nextAttemptAt: row.nextAttemptAt,
    lastReply: row.lastReply,
    recipients: row.recipients.map((r) => ({ address: r.address, status: r.status, lastReply: r.lastReply })),
  }));
}

async function findEntry(queueId: string) {
  const entry = await db().queueEntry.findUnique({
    where: { queueId: queueId.trim().toUpperCase() },
    include: { recipients: true },
  });
  if (!entry) throw new NotFoundError(`queue entry ${queueId}`);
  return entry;
}

export async function retryNow(queueId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
  requireSuper(actor);
  const entry = await findEntry(queueId);
  await db().queueEntry.update({
    where: { id: entry.id },
    data: { nextAttemptAt: new Date(), lockedBy: null, lockedUntil: null },
  });
  void recordEvent({
    protocol: 'queue',
    action: 'retry',
    result: 'requested',
    queueId: entry.queueId,
    user: actor.name,
  });
  wakeQueueRunners();
}

export async function retryAll(actor: Actor = SYSTEM_ACTOR): Promise<number> {
  requireSuper(actor);
  // Live claims stay: an entry being attempted right now is not sent a second time beside it
  // (runners renew their claims; a dead worker's lapse after claimMs).
  const result = await db().queueEntry.updateMany({
    where: { status: { in: ACTIVE } },
    data: { nextAttemptAt: new Date() },
  });
  void recordEvent({
    protocol: 'queue',
    action: 'retry_all',
    result: 'requested',
    user: actor.name,
    detail: { entries: result.count },
  });
  wakeQueueRunners();
  return result.count;
}

/** Drops an entry without telling the sender. */
export async function deleteQueueEntry(queueId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
  requireSuper(actor);
  const entry = await findEntry(queueId);
  await removeEntry(entry.id);
  void recordEvent({
    protocol: 'queue',
    action: 'delete',
    result: 'ok',
    queueId: entry.queueId,
    user: actor.name,
  });
}

/** Gives up on an entry now: the sender gets a bounce for every recipient still pending. */
export async function bounceNow(queueId: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
  requireSuper(actor);
  const entry = await findEntry(queueId);
  const pending = entry.recipients.filter((r) => r.status === 'pending');
  const original = await readBlob(entry.blobSha256);
  await notifySender({
    kind: 'failed',
    queueId: entry.queueId,
    sender: entry.sender,
    arrival: entry.createdAt,
    original,
    recipients: pending.map((r) =>
      dsnRecipient(
        r.address,
        `550 5.0.0 Returned by the administrator${r.lastReply ? ` (last reply: ${r.lastReply})` : ''}`,
        true,
      ),
    ),
  });
  await removeEntry(entry.id);
  void recordEvent({
    protocol: 'queue',
    action: 'bounce',
    result: 'admin',
    queueId: entry.queueId,
    user: actor.name,
  });
  wakeQueueRunners();
}
