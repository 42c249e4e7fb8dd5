// Parses a message once, at delivery or APPEND: what IMAP FETCH, SEARCH and the webmail need is
// cached in the database so they never parse again.
// NOTE: the body structure here is a single part; server/mime will build the full MIME tree.
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser/index.js';

export interface EnvelopeAddress {
  name: string | null;
  mailbox: string | null;
  host: string | null;
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

export interface BodyPart {
  type: string;
  subtype: string;
  params: Record<string, string>;
  id: string | null;
  description: string | null;
  encoding: string;
  size: number;
  lines?: number;
  md5?: string | null;
  disposition?: { type: string; params: Record<string, string> } | null;
  language?: string[] | null;
  location?: string | null;
  parts?: BodyPart[];
  envelope?: Envelope;
  body?: BodyPart;
  /** Byte offsets of this part's header and body inside the whole message. */
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
}

export interface ParsedMessage {
  headerSize: number;
  envelope: Envelope;
  bodyStructure: BodyPart;
  subject: string;
  from: string;
  to: string;
  cc: string;
  messageId: string;
  sentDate: Date | null;
  hasAttachment: boolean;
}

export interface HeaderLine {
  key: string;
  value: string;
}

/** Byte length of the header block including the blank line that ends it. */
export function headerLength(raw: Buffer, start = 0): number {
  const crlf = raw.indexOf('\r\n\r\n', start);
  const lf = raw.indexOf('\n\n', start);
  if (crlf < 0 && lf < 0) return raw.length - start;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4 - start;
  return lf + 2 - start;
}

export function parseHeaderLines(header: string): HeaderLine[] {
  const lines: HeaderLine[] = [];
  for (const line of header.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lines.push({ key: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).replace(/\r?\n[ \t]/g, ' ').trim() });
  }
  return lines;
}

function decode(value: string | undefined): string {
  if (!value) return '';
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

function toAddresses(value: string | undefined): EnvelopeAddress[] | null {
  if (!value) return null;
  const parsed = addressparser(value, { flatten: true }) as { name?: string; address?: string }[];
  if (parsed.length === 0) return null;
  return parsed.map((entry) => {
    const address = entry.address ?? '';
    const at = address.lastIndexOf('@');
    return { name: entry.name ? decode(entry.name) : null, mailbox: at >= 0 ? address.slice(0, at) : address || null, host: at >= 0 ? address.slice(at + 1) : null };
  });
}

function formatList(addresses: EnvelopeAddress[] | null): string {
  return (addresses ?? []).map((a) => `${a.name ? `${a.name} ` : ''}<${a.mailbox}@${a.host}>`).join(', ');
}

export function parseMessage(raw: Buffer): ParsedMessage {
  const headerSize = headerLength(raw);
  const headers = parseHeaderLines(raw.subarray(0, headerSize).toString('binary'));
  const first = (key: string) => headers.find((h) => h.key === key)?.value;
  const utf8 = (key: string) => {
    const value = first(key);
    return value === undefined ? undefined : Buffer.from(value, 'binary').toString('utf8');
  };
  const from = toAddresses(utf8('from'));
  const envelope: Envelope = {
    date: first('date') ?? null,
    subject: utf8('subject') ?? null,
    from,
    sender: toAddresses(utf8('sender')) ?? from,
    replyTo: toAddresses(utf8('reply-to')) ?? from,
    to: toAddresses(utf8('to')),
    cc: toAddresses(utf8('cc')),
    bcc: toAddresses(utf8('bcc')),
    inReplyTo: first('in-reply-to') ?? null,
    messageId: first('message-id') ?? null,
  };
  const contentType = libmime.parseHeaderValue(first('content-type') ?? 'text/plain');
  const [type, subtype] = (contentType.value || 'text/plain').toLowerCase().split('/');
  const body = raw.subarray(headerSize);
  const sent = envelope.date ? new Date(envelope.date) : null;
  return {
    headerSize,
    envelope,
    bodyStructure: {
      type: type ?? 'text', subtype: subtype ?? 'plain', params: contentType.params ?? {}, id: null, description: null,
      encoding: (first('content-transfer-encoding') ?? '7bit').toLowerCase(), size: body.length,
      lines: type === 'text' ? body.toString('binary').split('\n').length - 1 : undefined,
      headerStart: 0, bodyStart: headerSize, bodyEnd: raw.length,
    },
    subject: decode(envelope.subject ?? '').slice(0, 512),
    from: formatList(from).slice(0, 512),
    to: formatList(envelope.to).slice(0, 1024),
    cc: formatList(envelope.cc).slice(0, 1024),
    messageId: (envelope.messageId ?? '').slice(0, 512),
    sentDate: sent && !Number.isNaN(sent.getTime()) ? sent : null,
    hasAttachment: /multipart\/mixed/i.test(first('content-type') ?? ''),
  };
}
