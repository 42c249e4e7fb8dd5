// Counters derived from the event log's own hook: every session step and decision already passes
// through recordEvent/recordEventSoon (core/events.ts), so the protocol code needs no extra calls.
// Counted in the process that records the event (the mail worker for SMTP, IMAP, POP3 and the queue).
import {
  deliveryLatency,
  loginsTotal,
  messagesBouncedTotal,
  messagesDeferredTotal,
  messagesDeliveredTotal,
  messagesReceivedTotal,
  messagesRejectedTotal,
} from './metrics';

export interface ObservedEvent {
  protocol: string;
  action: string;
  result: string;
  detail?: string | Record<string, unknown> | null;
}

/** Results come from our code, never from a peer; still, a label value stays short and plain. */
function labelValue(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .slice(0, 32) || 'unknown'
  );
}

const REFUSING_VERDICTS = new Set(['reject', 'too_many']);
/** DATA results that end in a 250: everything else is a refusal, the result being its reason. */
const DATA_ACCEPTED = new Set(['accepted', 'discarded']);

function detailNumber(detail: ObservedEvent['detail'], key: string): number | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const value = detail[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * `batched` events come from recordEventSoon: the SMTP session's own note of a login that
 * auth/login.ts already recorded (and counted), so logins are not counted from them twice.
 */
export function observeEvent(event: ObservedEvent, batched = false): void {
  const { protocol, action, result } = event;
  if (action === 'auth' && !batched) {
    loginsTotal.inc({ protocol: labelValue(protocol), result: labelValue(result) });
    return;
  }
  if (protocol === 'smtp') {
    if (action === 'data') {
      if (result === 'accepted') messagesReceivedTotal.inc();
      else if (!DATA_ACCEPTED.has(result))
        messagesRejectedTotal.inc({ stage: 'data', reason: labelValue(result) });
    } else if (action === 'deliver') {
      if (result === 'delivered' || result === 'junk') messagesDeliveredTotal.inc({ destination: 'local' });
      else messagesRejectedTotal.inc({ stage: 'deliver', reason: labelValue(result) });
    } else if (action === 'dnsbl' && result === 'reject') {
      messagesRejectedTotal.inc({ stage: 'dnsbl', reason: 'listed' });
    } else if (['connect', 'mail_from', 'rcpt_to'].includes(action) && REFUSING_VERDICTS.has(result)) {
      const reason =
        typeof event.detail === 'object' && event.detail?.reason === 'syntax' ? 'syntax' : result;
      messagesRejectedTotal.inc({ stage: action, reason: labelValue(reason) });
    }
    return;
  }
  if (protocol === 'queue' && action === 'deliver') {
    const queuedMs = detailNumber(event.detail, 'queuedMs');
    if (result === 'sent') messagesDeliveredTotal.inc({ destination: 'remote' });
    else if (result === 'deferred') messagesDeferredTotal.inc();
    else if (result === 'bounced') messagesBouncedTotal.inc();
    if ((result === 'sent' || result === 'bounced') && queuedMs !== undefined)
      deliveryLatency.observe({ outcome: result }, queuedMs / 1000);
  }
}
