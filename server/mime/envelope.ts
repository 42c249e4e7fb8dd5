// The IMAP ENVELOPE of a header block (RFC 3501 section 7.4.2, RFC 9051 section 7.5.2): raw header
// values (encoded words stay encoded, clients decode them), address lists split into
// (name adl mailbox host) with RFC 5322 groups as start/end markers.
import addressparser from 'nodemailer/lib/addressparser/index.js';
import libmime from 'libmime';
import { type HeaderFields, headerText } from './headers';
import { dropStrayComments } from './address-comments';

export interface EnvelopeAddress {
  name: string | null;
  mailbox: string | null;
  host: string | null;
  /** Source route (obsolete RFC 822 at-domain-list), almost always absent. */
  adl?: string | null;
}

export interface Envelope {
  date: string | null;
  subject: string | null;
  from: EnvelopeAddress[] | null;
  sender: EnvelopeAddress[] | null;
  replyTo: EnvelopeAddress[] | null;
  to: EnvelopeAddress[] | null;
  cc: EnvelopeAddress[] | null;
  bcc: EnvelopeAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** What Dovecot reports for an address with no domain, so clients can tell it from a group. */
export const MISSING_DOMAIN = 'MISSING_DOMAIN';

interface ParsedAddress {
  name?: string;
  address?: string;
  group?: ParsedAddress[];
}

function mailboxAddress(entry: ParsedAddress): EnvelopeAddress {
  let address = entry.address ?? '';
  let name: string | null = entry.name || null;
  if (!address && name && !/\s/.test(name)) {
    // A bare local part ("To: bob"): addressparser reads it as a name.
    address = name;
    name = null;
  }
  let adl: string | null = null;
  const route = /^(@[^:]+):(.*)$/.exec(address);
  if (route) {
    adl = route[1];
    address = route[2];
  }
  const at = address.lastIndexOf('@');
  const result: EnvelopeAddress = {
    name,
    mailbox: at >= 0 ? address.slice(0, at) : address || null,
    host: at >= 0 ? address.slice(at + 1) || MISSING_DOMAIN : MISSING_DOMAIN,
  };
  if (adl) result.adl = adl;
  return result;
}

/** An address-list header value as IMAP address structures; null when empty. */
export function envelopeAddresses(value: string | undefined): EnvelopeAddress[] | null {
  if (!value || !value.trim()) return null;
  let parsed: ParsedAddress[];
  try {
    parsed = addressparser(dropStrayComments(value)) as ParsedAddress[];
  } catch {
    return null;
  }
  const out: EnvelopeAddress[] = [];
  for (const entry of parsed) {
    if (entry.group) {
      // RFC 3501: group start is (NIL NIL "name" NIL), group end is (NIL NIL NIL NIL).
      out.push({ name: null, mailbox: entry.name || '', host: null });
      for (const member of entry.group) out.push(mailboxAddress(member));
      out.push({ name: null, mailbox: null, host: null });
    } else if (entry.address || entry.name) {
      out.push(mailboxAddress(entry));
    }
  }
  return out.length ? out : null;
}

/** Builds the envelope from a parsed header block (values already unfolded). */
export function buildEnvelope(fields: HeaderFields): Envelope {
  const text = (key: string) => {
    const value = fields.first(key);
    return value === undefined ? undefined : headerText(value);
  };
  const from = envelopeAddresses(text('from'));
  return {
    date: text('date') ?? null,
    subject: text('subject') ?? null,
    from,
    // RFC 3501: Sender and Reply-To default to From when absent.
    sender: envelopeAddresses(text('sender')) ?? from,
    replyTo: envelopeAddresses(text('reply-to')) ?? from,
    to: envelopeAddresses(text('to')),
    cc: envelopeAddresses(text('cc')),
    bcc: envelopeAddresses(text('bcc')),
    inReplyTo: text('in-reply-to') ?? null,
    messageId: text('message-id') ?? null,
  };
}

/** RFC 2047 decoding for display and search; the input back unchanged if it cannot be decoded. */
export function decodeWords(value: string | null | undefined): string {
  if (!value) return '';
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/**
 * "Name <mailbox@host>, group: <a@b>;" with names decoded, for list columns and search: group
 * names stay so SEARCH TO finds them (RFC 9051 section 6.4.4 matches the header's text).
 */
export function formatAddressList(addresses: EnvelopeAddress[] | null): string {
  const out: string[] = [];
  let group: string[] | null = null;
  let groupName = '';
  for (const address of addresses ?? []) {
    if (address.host === null) {
      // RFC 3501 group markers: start (NIL NIL "name" NIL), end (NIL NIL NIL NIL).
      if (address.mailbox !== null) {
        group = [];
        groupName = decodeWords(address.mailbox);
      } else if (group) {
        out.push(`${groupName}: ${group.join(', ')};`);
        group = null;
      }
      continue;
    }
    const email =
      address.host === MISSING_DOMAIN ? (address.mailbox ?? '') : `${address.mailbox ?? ''}@${address.host}`;
    (group ?? out).push(address.name ? `${decodeWords(address.name)} <${email}>` : `<${email}>`);
  }
  if (group) out.push(`${groupName}: ${group.join(', ')};`);
  return out.join(', ');
}
