// IMAP wire syntax for the cached message metadata: ENVELOPE, BODYSTRUCTURE and BODY (RFC 3501
// section 7.4.2, RFC 9051 section 7.5.2), written the way Dovecot writes them (types and parameter
// names as in the message, "message" "rfc822" in lower case, literals for strings a quoted string
// cannot carry). Outputs are JS strings meant to be written to the socket as UTF-8; literal
// lengths are UTF-8 byte counts. Section extraction lives in sections.ts and is re-exported here.
import type { Envelope, EnvelopeAddress } from './envelope';
import { isMessagePart, isMultipart, type BodyPart } from './structure';

export { extractSection, parseSectionSpec, resolveSectionPart, formatSectionSpec, type SectionSpec } from './sections';

export interface FormatOptions {
  /** UTF8=ACCEPT is enabled (RFC 6855): non-ASCII text may go in quoted strings. */
  utf8?: boolean;
}

/**
 * An IMAP string (RFC 3501 section 4.3): quoted, with `"` and `\` escaped, unless it holds CR or LF,
 * or 8-bit text without UTF8=ACCEPT: then a literal. `literalForSpecials` sends strings
 * with `"` or `\` as literals too, which is what Dovecot does inside ENVELOPE.
 */
export function imapString(input: string, options: FormatOptions = {}, literalForSpecials = false): string {
  // NUL may appear in neither quoted strings nor literals (RFC 3501 section 4.3): dropped.
  const value = input.includes('\x00') ? input.replace(/\x00/g, '') : input;
  // eslint-disable-next-line no-control-regex
  const needsLiteral = /[\r\n]/.test(value) || (!options.utf8 && /[^\x00-\x7f]/.test(value)) || (literalForSpecials && /["\\]/.test(value));
  if (needsLiteral) return `{${Buffer.byteLength(value, 'utf8')}}\r\n${value}`;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** nstring: NIL for null. */
export function imapNString(value: string | null | undefined, options: FormatOptions = {}, literalForSpecials = false): string {
  return value === null || value === undefined ? 'NIL' : imapString(value, options, literalForSpecials);
}

function formatAddress(address: EnvelopeAddress, options: FormatOptions): string {
  const n = (value: string | null | undefined) => imapNString(value, options, true);
  return `(${n(address.name)} ${n(address.adl ?? null)} ${n(address.mailbox)} ${n(address.host)})`;
}

function formatAddressList(list: EnvelopeAddress[] | null, options: FormatOptions): string {
  if (!list || list.length === 0) return 'NIL';
  return `(${list.map((address) => formatAddress(address, options)).join('')})`;
}

/** ENVELOPE: (date subject from sender reply-to to cc bcc in-reply-to message-id). */
export function formatEnvelope(envelope: Envelope, options: FormatOptions = {}): string {
  const n = (value: string | null) => imapNString(value, options, true);
  const a = (list: EnvelopeAddress[] | null) => formatAddressList(list, options);
  return `(${n(envelope.date)} ${n(envelope.subject)} ${a(envelope.from)} ${a(envelope.sender)} ${a(envelope.replyTo)} ${a(envelope.to)} ${a(envelope.cc)} ${a(envelope.bcc)} ${n(envelope.inReplyTo)} ${n(envelope.messageId)})`;
}

/** body-fld-param: ("name" "value" ...) or NIL. */
function formatParams(params: Record<string, string> | undefined | null, options: FormatOptions): string {
  const entries = Object.entries(params ?? {});
  if (entries.length === 0) return 'NIL';
  return `(${entries.map(([name, value]) => `${imapString(name, options)} ${imapString(value, options)}`).join(' ')})`;
}

function formatDisposition(part: BodyPart, options: FormatOptions): string {
  if (!part.disposition) return 'NIL';
  return `(${imapString(part.disposition.type, options)} ${formatParams(part.disposition.params, options)})`;
}

function formatLanguage(language: string[] | null | undefined, options: FormatOptions): string {
  if (!language || language.length === 0) return 'NIL';
  return `(${language.map((tag) => imapString(tag, options)).join(' ')})`;
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc, shared by both kinds of body-ext. */
function formatExtensionTail(part: BodyPart, options: FormatOptions): string {
  return `${formatDisposition(part, options)} ${formatLanguage(part.language, options)} ${imapNString(part.location ?? null, options)}`;
}

/**
 * BODYSTRUCTURE (`extensible` = true) or BODY (false) of a part and everything under it
 * (RFC 3501 section 7.4.2: body-type-mpart, body-type-1part with body-type-msg/-text/-basic).
 */
export function formatBodyStructure(part: BodyPart, extensible: boolean, options: FormatOptions = {}): string {
  const s = (value: string) => imapString(value, options);
  if (isMultipart(part)) {
    const children = (part.parts ?? []).map((child) => formatBodyStructure(child, extensible, options)).join('');
    const extension = extensible ? ` ${formatParams(part.params, options)} ${formatExtensionTail(part, options)}` : '';
    return `(${children} ${s(part.subtype)}${extension})`;
  }
  const message = isMessagePart(part);
  const fields = [
    message ? '"message" "rfc822"' : `${s(part.type)} ${s(part.subtype)}`,
    formatParams(part.params, options),
    imapNString(part.id, options),
    imapNString(part.description, options),
    s(part.encoding),
    String(part.size),
  ];
  if (message && part.envelope && part.body) {
    fields.push(formatEnvelope(part.envelope, options), formatBodyStructure(part.body, extensible, options), String(part.lines ?? 0));
  } else if (part.type.toLowerCase() === 'text') {
    fields.push(String(part.lines ?? 0));
  }
  if (extensible) fields.push(imapNString(part.md5 ?? null, options), formatExtensionTail(part, options));
  return `(${fields.join(' ')})`;
}
