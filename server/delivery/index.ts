// After DATA: alias expansion has happened at RCPT time (policy/); here the message gets its
// Return-Path / Delivered-To / trace headers, is stored once for every local mailbox, and goes
// to the outbound queue for every external destination. Nothing returns before it is durable.
import { recordEventSoon } from '../core/events';
import { reply, type SmtpReply } from '../policy/replies';
import type { RecipientDecision } from '../policy/decide';
import { enqueueMessage } from '../queue/enqueue';
import { wakeQueueRunners } from '../queue/runner';
import { deliverLocal, localCopy, type LocalTarget } from './local';

export { deliverLocal, localCopy, type LocalTarget } from './local';

export interface InboundMessage {
  queueId: string;
  sender: string;
  /** Accepted (not discarded) recipients with their policy decisions. */
  recipients: { address: string; decision: RecipientDecision }[];
  /** Headers this server prepends: Received, Authentication-Results. */
  trace: string;
  body: Buffer;
  junk?: boolean;
  clientIp?: string;
  user?: string | null;
}

export interface DeliveryOutcome {
  reply: SmtpReply;
  delivered: string[];
  queued: string[];
}

export async function deliverInbound(message: InboundMessage): Promise<DeliveryOutcome> {
  const local: LocalTarget[] = [];
  const external: string[] = [];
  for (const { address, decision } of message.recipients) {
    if (decision.relay) external.push(address);
    for (const mailbox of decision.expansion?.mailboxes ?? [])
      local.push({ userId: mailbox.userId, address: mailbox.address, junk: message.junk });
    external.push(...(decision.expansion?.external ?? []));
    for (const loop of decision.expansion?.loops ?? [])
      recordEventSoon({
        protocol: 'smtp',
        action: 'alias_loop',
        result: 'cut',
        queueId: message.queueId,
        detail: { loop },
      });
  }
  const mailboxes = [...new Map(local.map((target) => [target.userId, target])).values()];
  // Stored once for every mailbox: Delivered-To only when there is a single one to name.
  const content = localCopy(message, mailboxes.length === 1 ? mailboxes[0]!.address : null);
  const result = mailboxes.length ? await deliverLocal(content, mailboxes) : { delivered: [], overQuota: [] };
  const queuedTo = [...new Set(external.map((address) => address.toLowerCase()))];
  // A full mailbox among several is retried from the queue (4xx for up to the queue lifetime).
  const retryLocal = result.overQuota.map((target) => target.address);
  if (result.delivered.length === 0 && queuedTo.length === 0 && retryLocal.length > 0) {
    recordEventSoon({
      protocol: 'smtp',
      action: 'deliver',
      result: 'over_quota',
      queueId: message.queueId,
      clientIp: message.clientIp,
      detail: { recipients: retryLocal },
    });
    return { reply: reply(452, '4.2.2', 'Mailbox full, try again later'), delivered: [], queued: [] };
  }
  if (queuedTo.length + retryLocal.length > 0) {
    await enqueueMessage({
      queueId: message.queueId,
      sender: message.sender,
      recipients: [...queuedTo, ...retryLocal],
      content: Buffer.concat([Buffer.from(message.trace), message.body]),
    });
    wakeQueueRunners();
  }
  for (const target of result.delivered) {
    recordEventSoon({
      protocol: 'smtp',
      action: 'deliver',
      result: message.junk ? 'junk' : 'delivered',
      queueId: message.queueId,
      clientIp: message.clientIp,
      user: target.address,
      detail: { size: content.length },
    });
  }
  if (queuedTo.length + retryLocal.length > 0) {
    recordEventSoon({
      protocol: 'smtp',
      action: 'queue',
      result: 'queued',
      queueId: message.queueId,
      clientIp: message.clientIp,
      detail: { recipients: [...queuedTo, ...retryLocal] },
    });
  }
  return {
    reply: reply(250, '2.0.0', `Ok: queued as ${message.queueId}`),
    delivered: result.delivered.map((t) => t.address),
    queued: [...queuedTo, ...retryLocal],
  };
}
