// One pass over one claimed queue entry: local recipients (a full mailbox retried) are stored,
// remote ones are grouped per destination domain (or all to the smarthost) and sent in one
// transaction each; then every recipient is sent, deferred with backoff, or bounced.
import { db } from '../core/db';
import { recordEvent } from '../core/events';
import { readBlob } from '../store';
import { expandAddress, resolveLocalDomain } from '../domain';
import { deliverLocal, localCopy } from '../delivery/local';
import { resolveDestination } from './destinations';
import { deliverToHosts, type RecipientOutcome } from './transport';
import { signOutgoing, headerFromDomain } from './dkim';
import { dsnRecipient } from './dsn';
import { removeEntry, notifySender } from './finish';
import { retryDelay, type QueueSettings } from './settings';

async function deliverLocalRecipient(
  address: string,
  sender: string,
  content: Buffer,
): Promise<RecipientOutcome> {
  const expansion = await expandAddress(address);
  if (expansion.mailboxes.length === 0) return { address, result: 'failed', reply: '550 5.1.1 User unknown' };
  const copy = localCopy(
    { sender, trace: '', body: content },
    expansion.mailboxes.length === 1 ? expansion.mailboxes[0]!.address : null,
  );
  const result = await deliverLocal(copy, expansion.mailboxes);
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

export async function processEntry(id: number, settings: QueueSettings): Promise<void> {
  const entry = await loadEntry(id);
  if (!entry) return;
  const pending = entry.recipients.filter((recipient) => recipient.status === 'pending');
  const content = await readBlob(entry.blobSha256);
  const outcomes: RecipientOutcome[] = [];
  const groups = new Map<string, string[]>();
  for (const recipient of pending) {
    if (await resolveLocalDomain(domainOf(recipient.address)))
      outcomes.push(
        await deliverLocalRecipient(recipient.address, entry.sender, content).catch((error: Error) => ({
          address: recipient.address,
          result: 'deferred' as const,
          reply: `451 4.3.0 ${error.message}`,
        })),
      );
    else {
      const key = settings.relayHost ? '' : domainOf(recipient.address);
      groups.set(key, [...(groups.get(key) ?? []), recipient.address]);
    }
  }
  let signed: Buffer | null = null;
  for (const [domain, addresses] of groups) {
    const destination = settings.relayHost
      ? { ok: true as const, hosts: [settings.relayHost.host] }
      : await resolveDestination(domain);
    if (!destination.ok) {
      const reply = `${destination.permanent ? 550 : 451} ${destination.status} ${destination.text}`;
      for (const address of addresses)
        outcomes.push({ address, result: destination.permanent ? 'failed' : 'deferred', reply });
      continue;
    }
    signed ??= await signOutgoing(content, headerFromDomain(content));
    outcomes.push(...(await deliverToHosts(destination.hosts, entry.sender, addresses, signed, settings)));
  }
  await settle(entry, outcomes, content, settings);
}

async function settle(
  entry: Entry,
  outcomes: RecipientOutcome[],
  content: Buffer,
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
      detail: { reply: final.reply, remote: outcome.remote ?? null, attempt: entry.attempts + 1 },
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
      original: content,
      recipients: bounced.map((o) => dsnRecipient(o.address, o.reply, true, o.remote)),
    });
  }
  if (deferred.length === 0) {
    await removeEntry(entry.id);
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
      original: content,
      retryUntil: new Date(entry.createdAt.getTime() + settings.lifetimeMs),
      recipients: deferred.map((o) => dsnRecipient(o.address, o.reply, false, o.remote)),
    });
  }
  const next = new Date(
    Math.min(now.getTime() + retryDelay(settings, attempts), entry.createdAt.getTime() + settings.lifetimeMs),
  );
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
