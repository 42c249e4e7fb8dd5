// After DATA: alias expansion has happened at RCPT time (policy/); here the message gets its
// Return-Path / Delivered-To / trace headers, is stored once for every local mailbox, and goes
// to the outbound queue for every external destination. Nothing returns before it is durable.
import { recordEventSoon } from '../core/events';
import { reply, type SmtpReply } from '../policy/replies';
import type { RecipientDecision } from '../policy/decide';
import { enqueueMessage } from '../queue/enqueue';
import { wakeQueueRunners } from '../queue/runner';
import { promises as fs } from 'node:fs';
import { deliverLocal, localCopy, spooledLocalCopy, type LocalTarget, type SpooledBody } from './local';
import type { SpooledBlob } from '../store';

export { deliverLocal, localCopy, type LocalTarget, type SpooledBody } from './local';

export interface InboundMessage {
  queueId: string;
  sender: string;
  /** Accepted (not discarded) recipients with their policy decisions. */
  recipients: { address: string; decision: RecipientDecision }[];
  /** Headers this server prepends: Received, Authentication-Results. */
  trace: string;
  /** The message as received (after our own Authentication-Results are stripped), or on disk. */
  body: Buffer | SpooledBody;
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
      local.push({
        userId: mailbox.userId,
        address: mailbox.address,
        junk: message.junk,
        recipient: address,
      });
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
  const deliveredTo = mailboxes.length === 1 ? mailboxes[0]!.address : null;
  const { body } = message;
  let content: Buffer | SpooledBlob | null = null;
  let result: Awaited<ReturnType<typeof deliverLocal>> = { delivered: [], overQuota: [], queued: [] };
  try {
    if (mailboxes.length > 0) {
      // A message SMTP kept in memory stays there (the store may keep it inline: blob-store.ts).
      const inMemory = Buffer.isBuffer(body) ? body : memoryBody(body);
      content = inMemory
        ? localCopy({ ...message, body: inMemory }, deliveredTo)
        : await spooledLocalCopy({ ...message, body: body as SpooledBody }, deliveredTo);
      result = await deliverLocal(content, mailboxes, {
        queueId: message.queueId,
        sender: message.sender,
        protocol: 'smtp',
        clientIp: message.clientIp,
        // One recipient, one mailbox: a Sieve ereject can still be this transaction's answer.
        canRefuse: message.recipients.length === 1 && mailboxes.length === 1 && external.length === 0,
      });
    }
  } finally {
    if (content && !Buffer.isBuffer(content)) await content.discard();
  }
  // What the mailboxes' Sieve scripts sent (redirects, vacation replies) goes out now.
  if (result.queued.length > 0) wakeQueueRunners();
  if (result.refused !== undefined) {
    const reason =
      result.refused
        .replace(/[\r\n\t]+/g, ' ')
        .replace(/[^\x20-\x7e]/g, '?') // an SMTP reply line is ASCII
        .trim()
        .slice(0, 200) || 'Refused by the recipient';
    return { reply: reply(550, '5.7.1', reason), delivered: [], queued: [] };
  }
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
      content: Buffer.concat([Buffer.from(message.trace), await bodyBytes(body)]),
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
      detail: { size: content ? (Buffer.isBuffer(content) ? content.length : content.size) : 0 },
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

/**
 * The whole received message in memory, for the outbound queue (which keeps content as a Buffer):
 * relayed mail only, and counted in the in-flight budget by its SMTP transfer until it is queued.
 */
/** The header and body of a message smtp/data.ts kept in memory as one Buffer, else null. */
function memoryBody(body: SpooledBody): Buffer | null {
  return body.file.bytes ? Buffer.concat([body.head, body.file.bytes.subarray(body.bodyStart)]) : null;
}

async function bodyBytes(body: Buffer | SpooledBody): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const inMemory = memoryBody(body);
  if (inMemory) return inMemory;
  const handle = await fs.open(body.file.path, 'r');
  try {
    const rest = Buffer.allocUnsafe(body.file.size - body.bodyStart);
    const { bytesRead } = await handle.read(rest, 0, rest.length, body.bodyStart);
    return Buffer.concat([body.head, rest.subarray(0, bytesRead)]);
  } finally {
    await handle.close();
  }
}
