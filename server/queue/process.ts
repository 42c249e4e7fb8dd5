// One pass over one claimed queue entry: local recipients (a full mailbox retried) are stored,
// remote ones are grouped per destination domain (or all to the smarthost) and sent in one
// transaction each, the destinations side by side, each only if it has a free slot; then every
// recipient is sent, deferred with backoff, bounced, or (destination busy) looked at again soon.
import { db } from '../core/db';
import { recordEvent } from '../core/events';
import { readBlob } from '../store';
import { expandAddress, resolveLocalDomain } from '../domain';
import { deliverLocal, localCopy } from '../delivery/local';
import { resolveDestination } from './destinations';
import { deliverToHosts, type RecipientOutcome } from './transport';
import { outboundFromBlob, readBlobHead, type OutboundMessage } from './outbound-message';
import { dsnRecipient } from './dsn';
import { removeEntry, notifySender } from './finish';
import { retryDelay, type QueueSettings } from './settings';
import type { DestinationSlots } from './destination-slots';

async function deliverLocalRecipient(
  address: string,
  sender: string,
  content: Buffer,
  queueId: string,
): Promise<RecipientOutcome> {
  const expansion = await expandAddress(address);
  if (expansion.mailboxes.length === 0) return { address, result: 'failed', reply: '550 5.1.1 User unknown' };
  const copy = localCopy(
    { sender, trace: '', body: content },
    expansion.mailboxes.length === 1 ? expansion.mailboxes[0]!.address : null,
  );
  // The mailboxes' Sieve scripts run here too; what they queue is claimed by the runner's next pass.
  const result = await deliverLocal(
    copy,
    expansion.mailboxes.map((mailbox) => ({ ...mailbox, recipient: address })),
    { queueId, sender, protocol: 'queue' },
  );
  if (result.overQuota.length > 0 && result.delivered.length === 0)
    return { address, result: 'deferred', reply: '452 4.2.2 Mailbox full' };
  return { address, result: 'sent', reply: '250 2.0.0 stored' };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function loadEntry(id: number) {
  return db().queueEntry.findUnique({ where: { id }, include: { recipients: true } });
}
type Entry = NonNullable<Awaited<ReturnType<typeof loadEntry>>>;

export interface AttemptContext {
  slots: DestinationSlots;
  /** Aborted when the worker stops: open sessions are dropped and the entry is left to be retried. */
  signal?: AbortSignal;
}

/** Recipients whose destination had no free slot: untried, looked at again after busyRetryMs. */
type Postponed = string[];

async function deliverGroup(
  entry: Entry,
  key: string,
  addresses: string[],
  message: () => Promise<OutboundMessage>,
  settings: QueueSettings,
  signal?: AbortSignal,
): Promise<RecipientOutcome[]> {
  const destination = settings.relayHost
    ? { ok: true as const, hosts: [settings.relayHost.host] }
    : await resolveDestination(key);
  if (!destination.ok) {
    const reply = `${destination.permanent ? 550 : 451} ${destination.status} ${destination.text}`;
    const result = destination.permanent ? ('failed' as const) : ('deferred' as const);
    return addresses.map((address) => ({ address, result, reply }));
  }
  return deliverToHosts(destination.hosts, entry.sender, addresses, await message(), settings, signal);
}

/** Resolves with the destinations that were busy (the entry waits for a slot there). */
export async function processEntry(
  id: number,
  settings: QueueSettings,
  context: AttemptContext,
): Promise<string[]> {
  const entry = await loadEntry(id);
  if (!entry) return [];
  const pending = entry.recipients.filter((recipient) => recipient.status === 'pending');
  // Read whole only for a local recipient (rare: an address that became local while queued);
  // remote transactions stream the blob file, and a DSN quotes the header block alone.
  let whole: Promise<Buffer> | undefined;
  const content = () => (whole ??= readBlob(entry.blobSha256));
  const outcomes: RecipientOutcome[] = [];
  const groups = new Map<string, string[]>();
  for (const recipient of pending) {
    if (await resolveLocalDomain(domainOf(recipient.address)))
      outcomes.push(
        await deliverLocalRecipient(recipient.address, entry.sender, await content(), entry.queueId).catch(
          (error: Error) => ({
            address: recipient.address,
            result: 'deferred' as const,
            reply: `451 4.3.0 ${error.message}`,
          }),
        ),
      );
    else {
      const key = settings.relayHost ? '' : domainOf(recipient.address);
      groups.set(key, [...(groups.get(key) ?? []), recipient.address]);
    }
  }
  let signing: Promise<OutboundMessage> | undefined;
  const message = () => (signing ??= outboundFromBlob(entry.blobSha256, entry.size));
  const postponed: Postponed = [];
  const busy: string[] = [];
  // Each destination in its own slot, all at once: a slow one does not hold up the others.
  const deliveries = [...groups].map(async ([key, addresses]) => {
    const slot = key || 'relayhost';
    if (!context.slots.tryAcquire(slot)) {
      busy.push(slot);
      return void postponed.push(...addresses);
    }
    try {
      outcomes.push(...(await deliverGroup(entry, key, addresses, message, settings, context.signal)));
    } finally {
      context.slots.release(slot);
    }
  });
  const settled = await Promise.allSettled(deliveries);
  const failure = settled.find((result) => result.status === 'rejected');
  // Abandoned (worker stopping) or broken: nothing is settled, the claim lapses or is released.
  if (failure) throw failure.reason;
  await settle(entry, outcomes, postponed, () => readBlobHead(entry.blobSha256), settings);
  return busy;
}

async function settle(
  entry: Entry,
  outcomes: RecipientOutcome[],
  postponed: Postponed,
  /** The message's first bytes, for a DSN's quoted header block (RFC 3462 text/rfc822-headers). */
  head: () => Promise<Buffer>,
  settings: QueueSettings,
): Promise<void> {
  const now = new Date();
  const expired = now.getTime() - entry.createdAt.getTime() >= settings.lifetimeMs;
  const bounced: RecipientOutcome[] = [];
  const deferred: RecipientOutcome[] = [];
  for (const outcome of outcomes) {
    // A 4xx past the queue lifetime becomes a bounce (RFC 5321 4.5.4.1).
    const final =
      outcome.result === 'deferred' && expired
        ? {
            ...outcome,
            result: 'failed' as const,
            reply: `${outcome.reply} (gave up after ${Math.round(settings.lifetimeMs / 3_600_000)} hours)`,
          }
        : outcome;
    const row = entry.recipients.find((recipient) => recipient.address === outcome.address)!;
    await db().queueRecipient.update({
      where: { id: row.id },
      data: {
        status: final.result === 'sent' ? 'sent' : final.result === 'failed' ? 'failed' : 'pending',
        lastReply: final.reply.slice(0, 2000),
      },
    });
    void recordEvent({
      protocol: 'queue',
      action: 'deliver',
      result: final.result === 'failed' ? 'bounced' : final.result,
      queueId: entry.queueId,
      user: outcome.address,
      detail: {
        reply: final.reply,
        remote: outcome.remote ?? null,
        attempt: entry.attempts + 1,
        queuedMs: now.getTime() - entry.createdAt.getTime(), // postroom_delivery_latency_seconds
      },
    });
    if (final.result === 'failed') bounced.push(final);
    if (final.result === 'deferred') deferred.push(final);
  }
  if (bounced.length > 0) {
    await notifySender({
      kind: 'failed',
      queueId: entry.queueId,
      sender: entry.sender,
      arrival: entry.createdAt,
      original: await head(),
      recipients: bounced.map((o) => dsnRecipient(o.address, o.reply, true, o.remote)),
    });
  }
  if (postponed.length > 0)
    void recordEvent({
      protocol: 'queue',
      action: 'deliver',
      result: 'postponed',
      queueId: entry.queueId,
      detail: { reason: 'destination busy: its connection limit is reached', recipients: postponed },
    });
  if (deferred.length === 0 && postponed.length === 0) {
    await removeEntry(entry.id);
    return;
  }
  if (deferred.length === 0) {
    // Nothing was tried: not an attempt, no backoff, no delay notice.
    await db().queueEntry.update({
      where: { id: entry.id },
      data: {
        nextAttemptAt: new Date(now.getTime() + settings.busyRetryMs),
        lockedBy: null,
        lockedUntil: null,
      },
    });
    return;
  }
  const attempts = entry.attempts + 1;
  const lastReply = deferred[0]!.reply.slice(0, 2000);
  const late = !entry.delayNotified && now.getTime() - entry.createdAt.getTime() >= settings.delayNoticeMs;
  if (late) {
    await notifySender({
      kind: 'delayed',
      queueId: entry.queueId,
      sender: entry.sender,
      arrival: entry.createdAt,
      original: await head(),
      retryUntil: new Date(entry.createdAt.getTime() + settings.lifetimeMs),
      recipients: deferred.map((o) => dsnRecipient(o.address, o.reply, false, o.remote)),
    });
  }
  const retryIn = Math.min(
    retryDelay(settings, attempts),
    postponed.length > 0 ? settings.busyRetryMs : Number.POSITIVE_INFINITY,
  );
  const next = new Date(Math.min(now.getTime() + retryIn, entry.createdAt.getTime() + settings.lifetimeMs));
  await db().queueEntry.update({
    where: { id: entry.id },
    data: {
      status: 'deferred',
      attempts,
      lastReply,
      nextAttemptAt: next,
      lockedBy: null,
      lockedUntil: null,
      delayNotified: entry.delayNotified || late,
    },
  });
}
