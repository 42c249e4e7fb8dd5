// Putting a message into the outbound queue durably: the content is fsynced as a blob and the
// entry, its recipients and the blob reference are committed in one transaction, all before the
// SMTP client gets its 250.
import { writeTransaction } from '../core/db';
import { ensureBlob, writeBlob } from '../store/blob-store';
import { addBlobReferences } from '../store/append';
import { newQueueId } from './ids';

export interface NewQueueEntry {
  queueId?: string;
  /** The envelope sender; '' is the null sender (bounces are never sent back to it). */
  sender: string;
  recipients: string[];
  content: Buffer;
  /** Earliest first attempt (default now). */
  notBefore?: Date;
}

export async function enqueueMessage(entry: NewQueueEntry): Promise<string> {
  if (entry.recipients.length === 0) throw new Error('a queue entry needs at least one recipient');
  const queueId = entry.queueId ?? newQueueId();
  const hash = await writeBlob(entry.content);
  await writeTransaction('queue enqueue', async (tx) => {
    await addBlobReferences(tx, hash, entry.content.length, 1);
    await tx.queueEntry.create({
      data: {
        queueId,
        sender: entry.sender,
        blobSha256: hash,
        size: entry.content.length,
        nextAttemptAt: entry.notBefore ?? new Date(),
        recipients: { create: [...new Set(entry.recipients)].map((address) => ({ address })) },
      },
    });
  });
  // The collector may have removed a then unreferenced file before this commit (store/blobs.ts).
  await ensureBlob(hash, entry.content.length, entry.content);
  return queueId;
}
