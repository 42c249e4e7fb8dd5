// Parse once (parse.ts), answer IMAP from the cache (imap-format.ts, sections.ts), search and
// BINARY from decoded content (search-text.ts).
export {
  parseMessage,
  parseMessageFile,
  headerLength,
  parseHeaderLines,
  type ParsedMessage,
  type HeaderLine,
  type Envelope,
  type EnvelopeAddress,
  type BodyPart,
} from './parse';
export {
  formatEnvelope,
  formatBodyStructure,
  imapString,
  imapNString,
  type FormatOptions,
} from './imap-format';
export {
  extractSection,
  parseSectionSpec,
  resolveSectionPart,
  formatSectionSpec,
  type SectionSpec,
  type SectionText,
} from './sections';
export {
  extractSearchText,
  partText,
  decodedPartBody,
  decodeTransferEncoding,
  htmlToText,
} from './search-text';
export { isMultipart, isMessagePart, hasAttachment } from './structure';
export { decodeWords, formatAddressList, MISSING_DOMAIN } from './envelope';
export { toCrlf } from './line-endings';
export { encodeBinaryParts } from './binary-parts';
