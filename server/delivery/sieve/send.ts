// Sending what a mailbox's script asked for, once its stored copies are committed: redirects
// carry the message itself, so a failure there fails the delivery (it is retried, nothing is
// lost); a vacation reply or a rejection that cannot be queued is only noted in the journey.
import { claimVacationReply } from '../../rules';
import { HeaderFields } from '../../mime/headers';
import { logger } from '../../core/logger';
import { contentBytes, type Content } from './content';
import { queueRedirect, queueRejection, queueVacationReply } from './outbound';
import type { SievePlan } from './plan';

export interface SendInput {
  content: Content;
  header: string;
  userId: number;
  user: string;
  sender: string;
  /** An ereject is answered in the SMTP reply instead (RFC 5429 2.1.1): no MDN then. */
  refuseInReply?: boolean;
}

export interface Sent {
  /** Queue ids of the messages queued. */
  queued: string[];
  notes: string[];
}

export async function sendSieveMessages(plan: SievePlan, input: SendInput): Promise<Sent> {
  const sent: Sent = { queued: [], notes: [] };
  if (plan.redirects.length > 0) {
    const bytes = await contentBytes(input.content);
    for (const to of plan.redirects)
      sent.queued.push(await queueRedirect({ content: bytes, sender: input.sender, to, user: input.user }));
  }
  const headers = new HeaderFields(input.header);
  const optional = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      logger.warn(`sieve ${what} failed`, { user: input.user, error: String(error) });
      sent.notes.push(
        `${what} could not be queued: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const { reject, vacation } = plan;
  if (reject && reject.extended && input.refuseInReply) sent.notes.push('ereject: refused in the SMTP reply');
  else if (reject) {
    if (!input.sender) sent.notes.push('reject: the sender is <>, nobody to tell; discarded');
    else
      await optional('reject', async () => {
        const header = Buffer.from(input.header, 'latin1').toString('utf8');
        sent.queued.push(
          await queueRejection({
            user: input.user,
            to: input.sender,
            reason: reject.reason,
            header,
            headers,
          }),
        );
      });
  }
  if (vacation)
    await optional('vacation', async () => {
      if (!(await claimVacationReply(input.userId, vacation.handle, vacation.replyTo, vacation.seconds))) {
        sent.notes.push(`vacation: ${vacation.replyTo} was already answered within the period`);
        return;
      }
      sent.queued.push(
        await queueVacationReply(
          {
            user: input.user,
            to: vacation.replyTo,
            from: vacation.from,
            subject: vacation.subject,
            reason: vacation.reason,
            mime: vacation.mime,
          },
          headers,
        ),
      );
    });
  return sent;
}
