// APPEND ... CATENATE (TEXT {n} URL "..." ...) (RFC 4469): the message is built from literal text
// and parts of messages named by IMAP URLs, relative to the selected mailbox (or the user's
// server root). A URL that does not resolve, or that this user may not read, is NO [BADURL url];
// the whole message is held to APPENDLIMIT (NO [TOOBIG]).
import { encodeBinaryParts, toCrlf } from '../../mime';
import { bad, no } from '../errors';
import { tokenText, type Token } from '../parser';
import { APPEND_LIMIT } from '../capabilities';
import { baseUrl, parseImapUrl, resolveImapUrl } from '../imap-url';
import { openUrl, urlSection } from '../url-access';
import type { ImapSession } from '../session';

export type CatenatePart = { kind: 'text'; bytes: Buffer } | { kind: 'url'; url: string };

/** cat-part *(SP cat-part) of the parenthesised list after CATENATE. */
export function parseCatenateParts(items: Token[]): CatenatePart[] {
  if (items.length === 0 || items.length % 2 !== 0) throw bad('CATENATE needs TEXT and URL parts');
  const parts: CatenatePart[] = [];
  for (let i = 0; i < items.length; i += 2) {
    const [kind, value] = [items[i]!, items[i + 1]!];
    const word = kind.kind === 'atom' ? kind.value.toUpperCase() : '';
    if (word === 'TEXT' && value.kind === 'string' && value.literal)
      parts.push({ kind: 'text', bytes: value.value });
    else if (word === 'URL') parts.push({ kind: 'url', url: tokenText(value, 'URL') });
    else throw bad('CATENATE parts are TEXT literal or URL astring');
  }
  return parts;
}

/** The message the parts make, CRLF line ends and binary parts re-encoded like a plain APPEND. */
export async function catenate(session: ImapSession, parts: CatenatePart[]): Promise<Buffer> {
  const user = session.user!;
  const selected = session.mailbox;
  const base = baseUrl(
    user.address,
    user.domain,
    selected ? { name: selected.name, uidValidity: selected.uidValidity } : undefined,
  );
  const pieces: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    let bytes: Buffer | null = part.kind === 'text' ? part.bytes : null;
    if (part.kind === 'url') {
      const url = parseImapUrl(resolveImapUrl(part.url, base));
      const message = url ? await openUrl(url, user, session.options.hostname, false) : null;
      bytes = url && message ? urlSection(url, message, false) : null;
      if (!bytes)
        throw no(
          'URL does not name a message part you can read',
          `BADURL ${part.url.replace(/[\]\r\n]/g, '')}`,
        );
    }
    size += bytes!.length;
    if (size > APPEND_LIMIT) throw no('Message is too large', 'TOOBIG');
    pieces.push(bytes!);
  }
  const message = Buffer.concat(pieces);
  if (message.length === 0) throw no('Cannot append an empty message');
  return toCrlf(encodeBinaryParts(message));
}
