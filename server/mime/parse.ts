// Parses a message once, at delivery or APPEND: what IMAP FETCH, SEARCH and the webmail need is
// cached in the database (envelope and body structure as JSON, list columns) so they never parse
// again. Sections are later sliced from the raw bytes with the offsets kept in the body structure.
import { BufferBytes, FileBytes, type MessageBytes } from './bytes';
import { HeaderFields } from './headers';
import { buildEnvelope, decodeWords, formatAddressList, type Envelope } from './envelope';
import { hasAttachment, parsePartOf, type BodyPart } from './structure';

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
  return parseMessageBytes(new BufferBytes(raw));
}

/**
 * Parses a message in a file (a spooled blob) through a window of `windowBytes`, so a large
 * message costs that much memory, not its size. Reads synchronously, as parsing a Buffer blocks
 * for its scan: the file was just written and is in the page cache.
 */
export function parseMessageFile(path: string, windowBytes?: number): ParsedMessage {
  const bytes = new FileBytes(path, windowBytes);
  try {
    return parseMessageBytes(bytes);
  } finally {
    bytes.close();
  }
}

function parseMessageBytes(raw: MessageBytes): ParsedMessage {
  const bodyStructure = parsePartOf(raw);
  const headerSize = bodyStructure.bodyStart;
  const envelope = buildEnvelope(new HeaderFields(raw.latin1(0, headerSize)));
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
