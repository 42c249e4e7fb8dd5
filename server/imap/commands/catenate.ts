// APPEND ... CATENATE (TEXT {n} URL "..." ...) (RFC 4469): the message is built from literal text
// and parts of messages named by IMAP URLs, relative to the selected mailbox (or the user's
// server root). A URL that does not resolve, or that this user may not read, is NO [BADURL url];
// the whole message is held to APPENDLIMIT (NO [TOOBIG]). Large TEXT literals arrive in spool
// files (literal-spool.ts) and a large result is built in one, as a plain APPEND's literal is.
import { createReadStream } from 'node:fs';
import { isOutOfSpace } from '../../core/disk-space';
import { encodeBinaryParts, toCrlf } from '../../mime';
import { SpoolWriter } from '../../store';
import { LineEndingCheck, SpooledAppendLiteral, spoolThresholdFromEnv } from '../literal-spool';
import { bad, no } from '../errors';
import { tokenText, type Token } from '../parser';
import { APPEND_LIMIT } from '../capabilities';
import { baseUrl, parseImapUrl, resolveImapUrl } from '../imap-url';
import { openUrl, urlSection } from '../url-access';
import type { ImapSession } from '../session';

export type CatenatePart =
  | { kind: 'text'; bytes: Buffer | SpooledAppendLiteral }
  | { kind: 'url'; url: string };

/** cat-part *(SP cat-part) of the parenthesised list after CATENATE. */
export function parseCatenateParts(items: Token[]): CatenatePart[] {
  if (items.length === 0 || items.length % 2 !== 0) throw bad('CATENATE needs TEXT and URL parts');
  const parts: CatenatePart[] = [];
  for (let i = 0; i < items.length; i += 2) {
    const [kind, value] = [items[i]!, items[i + 1]!];
    const word = kind.kind === 'atom' ? kind.value.toUpperCase() : '';
    if (word === 'TEXT' && value.kind === 'string' && value.literal)
      parts.push({
        kind: 'text',
        bytes: value.spooled instanceof SpooledAppendLiteral ? value.spooled : value.value,
      });
    else if (word === 'URL') parts.push({ kind: 'url', url: tokenText(value, 'URL') });
    else throw bad('CATENATE parts are TEXT literal or URL astring');
  }
  return parts;
}

const unavailable = () => no('Insufficient system storage, try again later', 'UNAVAILABLE');

/**
 * The message the parts make, CRLF line ends and binary parts re-encoded like a plain APPEND: in
 * memory when small, else written to a spool file (commands/append.ts stores it as a spooled literal).
 */
export async function catenate(
  session: ImapSession,
  parts: CatenatePart[],
): Promise<Buffer | SpooledAppendLiteral> {
  const user = session.user!;
  const selected = session.mailbox;
  const base = baseUrl(
    user.address,
    user.domain,
    selected ? { name: selected.name, uidValidity: selected.uidValidity } : undefined,
  );
  const pieces: (Buffer | SpooledAppendLiteral)[] = [];
  let size = 0;
  for (const part of parts) {
    let bytes: Buffer | SpooledAppendLiteral | null = part.kind === 'text' ? part.bytes : null;
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
    // A literal whose spool write failed (a full disk) was read and dropped, in step.
    if (bytes instanceof SpooledAppendLiteral && !bytes.blob)
      throw isOutOfSpace(bytes.error) ? unavailable() : bytes.error;
    size += Buffer.isBuffer(bytes) ? bytes.length : bytes!.size;
    if (size > APPEND_LIMIT) throw no('Message is too large', 'TOOBIG');
    pieces.push(bytes!);
  }
  if (size === 0) throw no('Cannot append an empty message');
  if (pieces.every((piece) => Buffer.isBuffer(piece)) && size < spoolThresholdFromEnv())
    return toCrlf(encodeBinaryParts(Buffer.concat(pieces as Buffer[])));
  return spoolPieces(pieces, size);
}

/** Writes the parts one after another into a spool file, spooled TEXT literals streamed from theirs. */
async function spoolPieces(
  pieces: (Buffer | SpooledAppendLiteral)[],
  size: number,
): Promise<SpooledAppendLiteral> {
  const writer = await SpoolWriter.open();
  const lineEnds = new LineEndingCheck();
  const add = async (chunk: Buffer) => {
    lineEnds.add(chunk);
    await writer.write(chunk);
  };
  try {
    for (const piece of pieces) {
      if (Buffer.isBuffer(piece)) await add(piece);
      else
        for await (const chunk of createReadStream(piece.blob!.path, { highWaterMark: 256 * 1024 }))
          await add(chunk as Buffer);
    }
    return new SpooledAppendLiteral(size, await writer.finishBlob(), lineEnds.finish());
  } catch (error) {
    await writer.abort().catch(() => {});
    throw isOutOfSpace(error) ? unavailable() : error;
  }
}
