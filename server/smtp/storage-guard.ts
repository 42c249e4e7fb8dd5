// New mail is refused while the data directory's free space is below the watermark
// (core/disk-space.ts), so the database never meets a full disk. 452 4.3.1 is the temporary
// "insufficient system storage" answer (RFC 5321 4.2.2 and 4.3.2 for MAIL and DATA, RFC 3463 4.3.1):
// the sender keeps the message and retries, and mail flows again once space returns.
import { storageLow } from '../core/disk-space';
import { SmtpReplyError, reply, type SmtpReply } from '../policy/replies';

export const INSUFFICIENT_STORAGE: SmtpReply = reply(452, '4.3.1', 'Insufficient system storage');

/** Throws the 452 while storage is low (at MAIL FROM). */
export async function refuseWhenStorageLow(): Promise<void> {
  if (await storageLow()) throw new SmtpReplyError(INSUFFICIENT_STORAGE);
}
