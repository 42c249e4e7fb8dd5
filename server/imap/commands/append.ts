// APPEND (RFC 9051 section 6.3.12) with flags and date, MULTIAPPEND (RFC 3502: several messages,
// all or none); durable before OK (appendMessage fsyncs and commits), APPENDUID (RFC 4315),
// TRYCREATE, APPENDLIMIT (RFC 7889) and OVERQUOTA. Binary parts (RFC 3516 literal8) are stored
// base64-encoded and bare LF/CR become CRLF, so sizes agree with FETCH, POP3 LIST and RETR.
// A message may instead be CATENATE (...) of text and URL parts (RFC 4469, catenate.ts).
import { encodeBinaryParts, parseMessageFile, toCrlf, isMessagePart, type BodyPart } from '../../mime';
import {
  appendMessage,
  appendSpooledMessage,
  expungeMessages,
  QuotaExceededError,
  type AppendResult,
} from '../../store';
import { SpooledAppendLiteral } from '../literal-spool';
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
  /** In memory, a large literal on disk (literal-spool.ts), or CATENATE parts. */
  message: Buffer | SpooledAppendLiteral | CatenatePart[];
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
  const sent = args.bytesOrSpooled('message');
  const sentSize = Buffer.isBuffer(sent) ? sent.length : sent.size;
  if (sentSize === 0) throw no('Cannot append an empty message');
  // APPENDLIMIT (RFC 7889) bounds what the client sends, checked before any re-encoding.
  if (sentSize > APPEND_LIMIT) throw no('Message is too large', 'TOOBIG');
  if (sent instanceof SpooledAppendLiteral) return { message: sent, flags, internalDate };
  if (!Buffer.isBuffer(sent)) throw bad('Unexpected literal');
  return { message: toCrlf(encodeBinaryParts(sent)), flags, internalDate };
}

function hasBinaryPart(part: BodyPart): boolean {
  if (part.parts) return part.parts.some(hasBinaryPart);
  if (isMessagePart(part) && part.body) return hasBinaryPart(part.body);
  return part.encoding.trim().toLowerCase() === 'binary';
}

/**
 * Stores a spooled literal. The file is the blob when it already is mail as stored (CRLF line
 * ends, no binary parts: the common case, parsed from the file); otherwise it is re-encoded in
 * memory as a small literal is, an exception bounded by the in-flight budget it holds.
 */
async function appendSpooled(
  literal: SpooledAppendLiteral,
  target: Parameters<typeof appendMessage>[1],
  internalDate: Date | undefined,
): Promise<AppendResult[]> {
  if (!literal.blob) throw literal.error;
  const parsed = parseMessageFile(literal.blob.path);
  if (literal.crlfClean && !hasBinaryPart(parsed.bodyStructure))
    return appendSpooledMessage(literal.blob, target, { internalDate, parsed });
  return appendMessage(toCrlf(encodeBinaryParts(await literal.blob.read())), target, { internalDate });
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
    const messages: (Buffer | SpooledAppendLiteral)[] = [];
    try {
      for (const upload of uploads)
        messages.push(
          Array.isArray(upload.message) ? await catenate(session, upload.message) : upload.message,
        );
      return await store(uploads, messages, folder.id);
    } finally {
      // Spool files CATENATE built (and the literals', released again at the command's end).
      for (const message of messages)
        if (message instanceof SpooledAppendLiteral) await message.blob?.discard();
    }
  },
};

async function store(
  uploads: Upload[],
  messages: (Buffer | SpooledAppendLiteral)[],
  folderId: number,
): Promise<string> {
  const done: AppendResult[] = [];
  try {
    for (const [i, upload] of uploads.entries()) {
      const message = messages[i]!;
      const target = [{ folderId, flags: upload.flags.system, keywords: upload.flags.keywords }];
      const [result] = Buffer.isBuffer(message)
        ? await appendMessage(message, target, { internalDate: upload.internalDate })
        : await appendSpooled(message, target, upload.internalDate);
      done.push(result!);
    }
  } catch (error) {
    // RFC 3502 section 3: a failed MULTIAPPEND leaves none of its messages behind.
    if (done.length > 0)
      await expungeMessages(
        folderId,
        done.map((result) => result.uid),
      );
    if (error instanceof QuotaExceededError) throw no('Mailbox is over quota', 'OVERQUOTA');
    if (isOutOfSpace(error)) throw no('Insufficient system storage, try again later', 'UNAVAILABLE');
    throw error;
  }
  return `[APPENDUID ${done[0]!.uidValidity} ${formatSequence(done.map((result) => result.uid))}] APPEND completed`;
}
