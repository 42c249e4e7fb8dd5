// Ending a queue entry (all recipients done, bounced or deleted): the row goes and its reference
// on the stored content is released.
import { writeTransaction } from '../core/db';
import { enqueueMessage } from './enqueue';
import { buildDsn, type DsnInput } from './dsn';
import { recordEvent } from '../core/events';

export async function removeEntry(id: number): Promise<void> {
  await writeTransaction('queue entry remove', async (tx) => {
    const entry = await tx.queueEntry.findUnique({ where: { id }, select: { blobSha256: true } });
    if (!entry) return;
    await tx.queueEntry.delete({ where: { id } });
    await tx.blob.update({ where: { sha256: entry.blobSha256 }, data: { refCount: { decrement: 1 } } });
  });
}

/** Queues a DSN to the sender, unless the sender is the null sender (RFC 5321 4.5.5). */
export async function notifySender(input: DsnInput): Promise<string | null> {
  if (!input.sender) return null;
  const queueId = await enqueueMessage({ sender: '', recipients: [input.sender], content: buildDsn(input) });
  void recordEvent({
    protocol: 'queue',
    action: input.kind === 'failed' ? 'bounce' : 'delay_notice',
    result: 'queued',
    queueId: input.queueId,
    detail: { notice: queueId, to: input.sender },
  });
  return queueId;
}
