// Parses a message once, at delivery or APPEND: what IMAP FETCH, SEARCH and the webmail need is
// cached in the database (envelope and body structure as JSON, list columns) so they never parse
// again. Sections are later sliced from the raw bytes with the offsets kept in the body structure.
import { HeaderFields } from './headers';
import { buildEnvelope, decodeWords, formatAddressList, type Envelope } from './envelope';
import { hasAttachment, parsePart, type BodyPart } from './structure';

export { headerLength, parseHeaderLines, type HeaderLine } from './headers';
export type { Envelope, EnvelopeAddress } from './envelope';
export type { BodyPart } from './structure';

export interface ParsedMessage {
  headerSize: number;
  envelope: Envelope;
  bodyStructure: BodyPart;
  /** Decoded (RFC 2047) subject and address lists, for list columns and search. */
  subject: string;
  from: string;
  to: string;
  cc: string;
  messageId: string;
  sentDate: Date | null;
  hasAttachment: boolean;
}

export function parseMessage(raw: Buffer): ParsedMessage {
  const bodyStructure = parsePart(raw);
  const headerSize = bodyStructure.bodyStart;
  const envelope = buildEnvelope(new HeaderFields(raw.toString('latin1', 0, headerSize)));
  const sent = envelope.date ? new Date(envelope.date.replace(/\s*\([^)]*\)\s*$/, '')) : null;
  return {
    headerSize,
    envelope,
    bodyStructure,
    subject: decodeWords(envelope.subject).slice(0, 512),
    from: formatAddressList(envelope.from).slice(0, 512),
    to: formatAddressList(envelope.to).slice(0, 1024),
    cc: formatAddressList(envelope.cc).slice(0, 1024),
    messageId: (envelope.messageId ?? '').slice(0, 512),
    sentDate: sent && !Number.isNaN(sent.getTime()) ? sent : null,
    hasAttachment: hasAttachment(bodyStructure),
  };
}
