// APPEND (RFC 9051 section 6.3.12) with flags and date, MULTIAPPEND (RFC 3502: several messages,
// all or none); durable before OK (appendMessage fsyncs and commits), APPENDUID (RFC 4315),
// TRYCREATE, APPENDLIMIT (RFC 7889) and OVERQUOTA. Binary parts (RFC 3516 literal8) are stored
// base64-encoded and bare LF/CR become CRLF, so sizes agree with FETCH, POP3 LIST and RETR.
// A message may instead be CATENATE (...) of text and URL parts (RFC 4469, catenate.ts).
import { encodeBinaryParts, toCrlf } from '../../mime';
import { appendMessage, expungeMessages, QuotaExceededError, type AppendResult } from '../../store';
import { isOutOfSpace, storageLow } from '../../core/disk-space';
import { bad, no } from '../errors';
import { parseImapDate } from '../format';
import { formatSequence, type Args } from '../parser';
import { APPEND_LIMIT } from '../capabilities';
import { AUTHED, type CommandHandler } from './types';
import { mailboxArg, requireFolder } from './util';
import { parseFlags } from './store';
import { catenate, parseCatenateParts, type CatenatePart } from './catenate';

interface Upload {
  message: Buffer | CatenatePart[];
  flags: ReturnType<typeof parseFlags>;
  internalDate: Date | undefined;
}

function readUpload(args: Args): Upload {
  const flags = parseFlags(args.optionalList() ?? []);
  let internalDate: Date | undefined;
  const next = args.peek();
  if (next?.kind === 'string' && !next.literal && args.remaining > 1) {
    const date = parseImapDate(args.astring('date'), true);
    if (!date) throw bad('Invalid date-time');
    internalDate = date;
  }
  if (args.acceptAtom('CATENATE'))
    return { message: parseCatenateParts(args.list('CATENATE parts')), flags, internalDate };
  const sent = args.bytes('message');
  if (sent.length === 0) throw no('Cannot append an empty message');
  // APPENDLIMIT (RFC 7889) bounds what the client sends, checked before any re-encoding.
  if (sent.length > APPEND_LIMIT) throw no('Message is too large', 'TOOBIG');
  return { message: toCrlf(encodeBinaryParts(sent)), flags, internalDate };
}

export const APPEND: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const name = mailboxArg(session, command.args);
    const uploads: Upload[] = [];
    do uploads.push(readUpload(command.args));
    while (command.args.remaining > 0);
    const folder = await requireFolder(session, name, true);
    // RFC 5530 UNAVAILABLE, a temporary failure of a subsystem: the disk is short server-wide and
    // the client should retry later (OVERQUOTA would blame this user's quota, LIMIT is permanent).
    if (await storageLow()) throw no('Insufficient system storage, try again later', 'UNAVAILABLE');
    // Every URL is resolved before anything is stored: a BADURL leaves no message behind.
    const messages: Buffer[] = [];
    for (const upload of uploads)
      messages.push(
        Buffer.isBuffer(upload.message) ? upload.message : await catenate(session, upload.message),
      );
    const done: AppendResult[] = [];
    try {
      for (const [i, upload] of uploads.entries()) {
        const [result] = await appendMessage(
          messages[i]!,
          [{ folderId: folder.id, flags: upload.flags.system, keywords: upload.flags.keywords }],
          { internalDate: upload.internalDate },
        );
        done.push(result!);
      }
    } catch (error) {
      // RFC 3502 section 3: a failed MULTIAPPEND leaves none of its messages behind.
      if (done.length > 0)
        await expungeMessages(
          folder.id,
          done.map((result) => result.uid),
        );
      if (error instanceof QuotaExceededError) throw no('Mailbox is over quota', 'OVERQUOTA');
      if (isOutOfSpace(error)) throw no('Insufficient system storage, try again later', 'UNAVAILABLE');
      throw error;
    }
    return `[APPENDUID ${done[0]!.uidValidity} ${formatSequence(done.map((result) => result.uid))}] APPEND completed`;
  },
};
