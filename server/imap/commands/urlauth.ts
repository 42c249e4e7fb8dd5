// URLAUTH (RFC 4467): GENURLAUTH signs a URL rump of one's own message with the INTERNAL mechanism
// (HMAC-SHA256 under the mailbox access key), RESETKEY revokes keys, URLFETCH returns what full
// URLs name (NIL when invalid, expired, revoked or not for this user), with the URLAUTH=BINARY
// (RFC 5524) parameters BODY, BINARY and BODYPARTSTRUCTURE.
import { formatBodyStructure, resolveSectionPart } from '../../mime';
import { binaryStructure } from '../../mime/binary-content';
import { mailboxKey, resetMailboxKey, resetUserKeys } from '../../store/urlauth-keys';
import { bad, no } from '../errors';
import { tokenText, type Token } from '../parser';
import { parseImapUrl, urlAstring } from '../imap-url';
import { locateUrl, openUrl, signRump, urlOwner, urlSection } from '../url-access';
import type { ImapSession } from '../session';
import { AUTHED, type CommandHandler } from './types';
import { responseLiteral } from './literal';
import { mailboxArg, requireFolder } from './util';

const APPLICATIONS = new Set(['user', 'submit', 'authuser', 'anonymous']);

async function generate(session: ImapSession, rump: string, mechanism: string): Promise<string> {
  if (mechanism.toUpperCase() !== 'INTERNAL') throw no('Unsupported URLAUTH mechanism');
  const url = parseImapUrl(rump);
  const auth = url?.urlauth;
  if (
    !url ||
    !auth ||
    auth.token ||
    !APPLICATIONS.has(auth.application) ||
    (auth.accessUser === null) !== (auth.application === 'authuser' || auth.application === 'anonymous')
  ) {
    throw bad('Not a URLAUTH rump URL');
  }
  if (auth.expire && auth.expire <= new Date()) throw no('URL has already expired');
  const owner = await urlOwner(url, session.options.hostname);
  if (owner?.id !== session.user!.id) throw no('Not permitted to generate URLAUTH for that user');
  const found = await locateUrl(owner.id, url);
  if (!found?.row) throw no('No such message');
  const key = await mailboxKey(found.folderId, true);
  return urlAstring(`${auth.rump}:INTERNAL:${signRump(key!, auth.rump)}`);
}

export const GENURLAUTH: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const urls: string[] = [];
    do urls.push(await generate(session, command.args.astring('URL'), command.args.atom('mechanism')));
    while (command.args.remaining > 0);
    session.send(`* GENURLAUTH ${urls.join(' ')}`);
  },
};

export const RESETKEY: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    if (command.args.remaining === 0) {
      await resetUserKeys(session.user!.id);
      return 'All keys removed';
    }
    const name = mailboxArg(session, command.args);
    while (command.args.remaining > 0)
      if (command.args.astring('mechanism').toUpperCase() !== 'INTERNAL')
        throw no('Unsupported URLAUTH mechanism');
    await resetMailboxKey((await requireFolder(session, name)).id);
    return '[URLMECH INTERNAL] Key removed';
  },
};

interface FetchRequest {
  url: string;
  /** The plain form (RFC 4467) or the parenthesised one of RFC 5524. */
  extended: boolean;
  /** The content to send, if any. */
  data: 'BODY' | 'BINARY' | null;
  structure: boolean;
}

function parseRequest(token: Token): FetchRequest {
  if (token.kind !== 'list')
    return { url: tokenText(token, 'URL'), extended: false, data: 'BODY', structure: false };
  const [first, ...params] = token.items;
  if (!first) throw bad('URLFETCH needs a URL');
  const words = new Set(params.map((param) => (param.kind === 'atom' ? param.value.toUpperCase() : '')));
  for (const word of words)
    if (!['BODY', 'BINARY', 'BODYPARTSTRUCTURE'].includes(word)) throw bad('Unknown URLFETCH parameter');
  if (words.has('BODY') && words.has('BINARY')) throw bad('URLFETCH takes BODY or BINARY, not both');
  const data = words.has('BINARY') ? 'BINARY' : words.has('BODY') || words.size === 0 ? 'BODY' : null;
  return { url: tokenText(first, 'URL'), extended: true, data, structure: words.has('BODYPARTSTRUCTURE') };
}

/** One URL's answer: NIL, a literal, or (BODYPARTSTRUCTURE (...) BINARY ~{n}...). */
async function answer(session: ImapSession, request: FetchRequest): Promise<Buffer> {
  const url = parseImapUrl(request.url);
  const message = url ? await openUrl(url, session.user!, session.options.hostname, true) : null;
  if (!url || !message) return Buffer.from('NIL');
  const bytes = request.data ? urlSection(url, message, request.data === 'BINARY') : null;
  const part = url.section?.part.length
    ? resolveSectionPart(message.structure, url.section.part)
    : message.structure;
  if (!part || (request.data && !bytes)) return Buffer.from('NIL');
  if (!request.extended) {
    const literal = responseLiteral(bytes!, false);
    return Buffer.concat([Buffer.from(literal.marker), literal.bytes]);
  }
  const pieces: Buffer[] = [Buffer.from('(')];
  if (request.structure) {
    const shown = request.data === 'BINARY' ? binaryStructure(message.raw, part) : part;
    pieces.push(Buffer.from(`BODYPARTSTRUCTURE ${formatBodyStructure(shown, true, { utf8: session.utf8 })}`));
  }
  if (bytes) {
    const literal = responseLiteral(bytes, request.data === 'BINARY');
    pieces.push(
      Buffer.from(`${request.structure ? ' ' : ''}${request.data} ${literal.marker}`),
      literal.bytes,
    );
  }
  pieces.push(Buffer.from(')'));
  return Buffer.concat(pieces);
}

export const URLFETCH: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const requests: FetchRequest[] = [];
    do requests.push(parseRequest(command.args.next('URL')));
    while (command.args.remaining > 0);
    // One response per URL (as Dovecot sends them); each literal goes out as it is read.
    for (const request of requests) {
      await session.write(
        Buffer.concat([
          Buffer.from(`* URLFETCH ${urlAstring(request.url)} `),
          await answer(session, request),
          Buffer.from('\r\n'),
        ]),
      );
    }
  },
};
