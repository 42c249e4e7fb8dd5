// RFC 5230 4.5-4.6 and RFC 3834: when a vacation answer may be sent at all. The "once per period
// per sender and handle" memory and the sending itself are the caller's.
import { createHash } from 'node:crypto';
import { headerAddresses } from './address';
import { decodedValue, type HeaderField } from './headers';

const RECIPIENT_HEADERS = new Set(['to', 'cc', 'bcc', 'resent-to', 'resent-cc', 'resent-bcc']);

export const DEFAULT_VACATION_DAYS = 7;
export const MAX_VACATION_SECONDS = 90 * 86_400;

/** Why no answer may go out, or null when it may. */
export function vacationRefusal(
  fields: HeaderField[],
  envelopeFrom: string,
  ownAddresses: string[],
): string | null {
  const sender = envelopeFrom.toLowerCase();
  if (!sender) return 'null envelope sender';
  const local = sender.split('@')[0];
  if (local === 'mailer-daemon' || local.startsWith('owner-') || local.endsWith('-request')) {
    return 'sender is a list or mailer address';
  }
  const own = new Set(ownAddresses.map((a) => a.toLowerCase()));
  if (own.has(sender)) return 'sender is the user';
  for (const field of fields) {
    const value = field.raw.trim().toLowerCase();
    if (field.key === 'auto-submitted' && !value.startsWith('no')) return 'message is auto-submitted';
    if (field.key === 'precedence' && /^(bulk|list|junk)\b/.test(value)) return 'message is bulk';
    if (field.key.startsWith('list-')) return 'message comes from a list';
    // Microsoft's way of asking for no out-of-office replies.
    if (field.key === 'x-auto-response-suppress' && /(^|[\s,])(all|oof)(?=$|[\s,])/.test(value)) {
      return 'sender asked for no automatic replies';
    }
  }
  const addressed = fields.some(
    (field) =>
      RECIPIENT_HEADERS.has(field.key) &&
      headerAddresses(decodedValue(field)).some((a) => own.has(a.toLowerCase())),
  );
  return addressed ? null : 'user is not among the recipients';
}

/** RFC 5230 4.2: without :handle, one derived from what the answer says. */
export function defaultHandle(reason: string, subject?: string, from?: string, mime?: boolean): string {
  return createHash('sha256')
    .update(JSON.stringify([reason, subject ?? null, from ?? null, Boolean(mime)]))
    .digest('hex')
    .slice(0, 32);
}
