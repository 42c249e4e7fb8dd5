// Reading the outbound queue for the console (the queue runner owns every change to it).
import { db } from '../core/db';
import { readBlob } from '../store/blobs';

// Finished entries leave the table (queue/finish.ts), so these are all the states there are.
export const QUEUE_STATUSES = ['queued', 'deferred'];

export async function listQueue(options: { status?: string; page?: number; pageSize?: number }) {
  const pageSize = options.pageSize ?? 50;
  const page = Math.max(1, options.page ?? 1);
  const where = options.status ? { status: options.status } : {};
  const [rows, total, byStatus] = await Promise.all([
    db().queueEntry.findMany({
      where,
      orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      include: { recipients: true },
    }),
    db().queueEntry.count({ where }),
    db().queueEntry.groupBy({ by: ['status'], _count: { _all: true } }),
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

export async function getQueueEntry(queueId: string) {
  return db().queueEntry.findUnique({ where: { queueId }, include: { recipients: true } });
}

/** The message's header section (up to the first empty line), for "view headers". */
export async function queueEntryHeaders(blobSha256: string): Promise<string> {
  const raw = await readBlob(blobSha256);
  const text = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end >= 0 ? text.slice(0, end) : text;
}
