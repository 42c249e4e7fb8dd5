// Reading the outbound queue for the console (the queue runner owns every change to it).
import { db } from '../core/db';
import type { Actor } from '../domain/audit';
import { ForbiddenError } from '../domain/errors';
import { addressInDomains, visibleDomains } from '../domain/rights';
import { readBlob } from '../store/blob-store';

// Finished entries leave the table (queue/finish.ts), so these are all the states there are.
export const QUEUE_STATUSES = ['queued', 'deferred'];

/** A domain admin sees the entries sent from the domains they manage (undefined: all). */
function senderScope(domains: string[] | undefined) {
  if (domains === undefined) return {};
  if (domains.length === 0) return { id: -1 };
  return { OR: domains.map((domain) => ({ sender: { endsWith: `@${domain}` } })) };
}

export async function listQueue(options: {
  status?: string;
  page?: number;
  pageSize?: number;
  domains?: string[];
}) {
  const pageSize = options.pageSize ?? 50;
  const page = Math.max(1, options.page ?? 1);
  const scope = senderScope(options.domains);
  const where = { ...scope, ...(options.status ? { status: options.status } : {}) };
  const [rows, total, byStatus] = await Promise.all([
    db().queueEntry.findMany({
      where,
      orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      include: { recipients: true },
    }),
    db().queueEntry.count({ where }),
    db().queueEntry.groupBy({ by: ['status'], where: scope, _count: { _all: true } }),
  ]);
  return {
    rows,
    total,
    page,
    pageSize,
    byStatus: Object.fromEntries(byStatus.map((row) => [row.status, row._count._all])) as Record<
      string,
      number
    >,
  };
}

/** One entry, or null; a domain admin asking for another domain's entry is refused (403). */
export async function getQueueEntry(queueId: string, actor?: Actor) {
  const entry = await db().queueEntry.findUnique({ where: { queueId }, include: { recipients: true } });
  if (entry && actor && !addressInDomains(entry.sender, visibleDomains(actor)))
    throw new ForbiddenError(`queue entry ${queueId} is not from a domain you manage`, {
      actor: actor.name,
      role: actor.role,
    });
  return entry;
}

/** The message's header section (up to the first empty line), for "view headers". */
export async function queueEntryHeaders(blobSha256: string): Promise<string> {
  const raw = await readBlob(blobSha256);
  const text = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end >= 0 ? text.slice(0, end) : text;
}
