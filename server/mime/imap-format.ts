// IMAP wire syntax for the cached message metadata: ENVELOPE, BODYSTRUCTURE and BODY (RFC 3501
// section 7.4.2, RFC 9051 section 7.5.2), written the way Dovecot writes them (types and parameter
// names as in the message, "message" "rfc822" in lower case, literals for strings a quoted string
// cannot carry). Outputs are JS strings meant to be written to the socket as UTF-8; literal
// lengths are UTF-8 byte counts. Section extraction lives in sections.ts and is re-exported here.
import type { Envelope, EnvelopeAddress } from './envelope';
import { isMessagePart, isMultipart, type BodyPart } from './structure';

export {
  extractSection,
  parseSectionSpec,
  resolveSectionPart,
  formatSectionSpec,
  type SectionSpec,
} from './sections';

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
  // One pass over the characters: this runs for every string of every FETCH ENVELOPE/BODYSTRUCTURE.
  let lineBreak = false;
  let eightBit = false;
  let special = false;
  let nul = false;
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) {
      if (code === 0x22 || code === 0x5c) special = true;
    } else if (code === 0x0d || code === 0x0a) lineBreak = true;
    else if (code === 0) nul = true;
    else if (code > 0x7f) eightBit = true;
  }
  if (!lineBreak && !eightBit && !special && !nul) return `"${input}"`;
  // NUL may appear in neither quoted strings nor literals (RFC 3501 section 4.3): dropped.
  const value = nul ? input.replace(/\x00/g, '') : input;
  if (lineBreak || (eightBit && !options.utf8) || (special && literalForSpecials))
    return `{${Buffer.byteLength(value, 'utf8')}}\r\n${value}`;
  return special ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`;
}

/** nstring: NIL for null. */
export function imapNString(
  value: string | null | undefined,
  options: FormatOptions = {},
  literalForSpecials = false,
): string {
  return value === null || value === undefined ? 'NIL' : imapString(value, options, literalForSpecials);
}

function envelopeString(value: string | null | undefined, options: FormatOptions): string {
  return value === null || value === undefined ? 'NIL' : imapString(value, options, true);
}

function formatAddressList(list: EnvelopeAddress[] | null, options: FormatOptions): string {
  if (!list || list.length === 0) return 'NIL';
  let out = '(';
  for (const address of list) {
    out += `(${envelopeString(address.name, options)} ${envelopeString(address.adl, options)} ${envelopeString(address.mailbox, options)} ${envelopeString(address.host, options)})`;
  }
  return `${out})`;
}

/** ENVELOPE: (date subject from sender reply-to to cc bcc in-reply-to message-id). */
export function formatEnvelope(envelope: Envelope, options: FormatOptions = {}): string {
  return (
    `(${envelopeString(envelope.date, options)} ${envelopeString(envelope.subject, options)} ` +
    `${formatAddressList(envelope.from, options)} ${formatAddressList(envelope.sender, options)} ${formatAddressList(envelope.replyTo, options)} ` +
    `${formatAddressList(envelope.to, options)} ${formatAddressList(envelope.cc, options)} ${formatAddressList(envelope.bcc, options)} ` +
    `${envelopeString(envelope.inReplyTo, options)} ${envelopeString(envelope.messageId, options)})`
  );
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
export function formatBodyStructure(
  part: BodyPart,
  extensible: boolean,
  options: FormatOptions = {},
): string {
  const s = (value: string) => imapString(value, options);
  if (isMultipart(part)) {
    const children = (part.parts ?? [])
      .map((child) => formatBodyStructure(child, extensible, options))
      .join('');
    const extension = extensible
      ? ` ${formatParams(part.params, options)} ${formatExtensionTail(part, options)}`
      : '';
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
    fields.push(
      formatEnvelope(part.envelope, options),
      formatBodyStructure(part.body, extensible, options),
      String(part.lines ?? 0),
    );
  } else if (part.type.toLowerCase() === 'text') {
    fields.push(String(part.lines ?? 0));
  }
  if (extensible) fields.push(imapNString(part.md5 ?? null, options), formatExtensionTail(part, options));
  return `(${fields.join(' ')})`;
}
