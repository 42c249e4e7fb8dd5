// TRANSACTION state (RFC 1939 sections 5 and 7): STAT, LIST, RETR, DELE, RSET, TOP, UIDL, NOOP,
// and QUIT, which enters UPDATE and only then removes the messages marked by DELE.
import { readBlobOfSize } from '../store/blob-store';
import { expungeMessages } from '../store/expunge';
import { updateFlags } from '../store/flags';
import { logger } from '../core/logger';
import type { MaildropMessage } from '../store/maildrop';
import type { CommandHandler, Pop3Session } from './session';
import { listingBody, multiLineBody, topOfMessage } from './wire';

/** The maildrop while in TRANSACTION; answers -ERR and returns null otherwise. */
function transaction(session: Pop3Session) {
  if (session.state === 'transaction' && session.maildrop) return session.maildrop;
  session.reply('-ERR Command not valid in this state');
  return null;
}

/** A message-number argument that names an existing, not deleted message. */
function messageArgument(
  session: Pop3Session,
  arg: string,
): { number: number; message: MaildropMessage } | null {
  const messages = session.maildrop?.messages ?? [];
  if (!/^[1-9]\d{0,9}$/.test(arg)) {
    session.reply('-ERR Invalid message number');
    return null;
  }
  const number = Number(arg);
  const message = messages[number - 1];
  if (!message) {
    session.reply('-ERR No such message');
    return null;
  }
  if (session.deleted.has(number)) {
    session.reply('-ERR Message already deleted');
    return null;
  }
  return { number, message };
}

function splitArgs(args: string): string[] {
  return args.split(' ').filter((arg) => arg !== '');
}

function uidlOf(session: Pop3Session, message: MaildropMessage): string {
  // Shared with IMAP: UIDVALIDITY.UID of INBOX, stable across sessions (RFC 1939 section 7).
  return `${session.maildrop!.uidValidity}.${message.uid}`;
}

function listOrUidl(render: (session: Pop3Session, message: MaildropMessage) => string): CommandHandler {
  return async (session, args) => {
    const maildrop = transaction(session);
    if (!maildrop) return;
    const parts = splitArgs(args);
    if (parts.length > 1) return session.reply('-ERR Too many arguments');
    if (parts.length === 1) {
      const found = messageArgument(session, parts[0]);
      if (found) session.reply(`+OK ${found.number} ${render(session, found.message)}`);
      return;
    }
    const lines = maildrop.messages.flatMap((message, index) =>
      session.deleted.has(index + 1) ? [] : [`${index + 1} ${render(session, message)}`],
    );
    session.reply(`+OK ${lines.length} messages`);
    session.send(listingBody(lines));
  };
}

const stat: CommandHandler = async (session, args) => {
  const maildrop = transaction(session);
  if (!maildrop) return;
  if (args.trim()) return session.reply('-ERR STAT takes no arguments');
  const live = maildrop.messages.filter((_, index) => !session.deleted.has(index + 1));
  session.reply(`+OK ${live.length} ${live.reduce((sum, message) => sum + message.size, 0)}`);
};

async function content(session: Pop3Session, message: MaildropMessage): Promise<Buffer | null> {
  try {
    return await readBlobOfSize(message.blobSha256, message.size);
  } catch (error) {
    logger.warn('pop3 message content unreadable', { uid: message.uid, error: String(error) });
    session.reply('-ERR [SYS/TEMP] Message content is not available');
    return null;
  }
}

const retr: CommandHandler = async (session, args) => {
  if (!transaction(session)) return;
  const parts = splitArgs(args);
  if (parts.length !== 1) return session.reply('-ERR RETR needs one message number');
  const found = messageArgument(session, parts[0]);
  if (!found) return;
  const bytes = await content(session, found.message);
  if (!bytes) return;
  session.send(multiLineBody(bytes, `+OK ${bytes.length} octets`)); // one write: status and body
  session.retrieved.add(found.number);
};

const top: CommandHandler = async (session, args) => {
  if (!transaction(session)) return;
  const parts = splitArgs(args);
  if (parts.length !== 2 || !/^\d{1,10}$/.test(parts[1]))
    return session.reply('-ERR TOP needs a message number and a line count');
  const found = messageArgument(session, parts[0]);
  if (!found) return;
  const bytes = await content(session, found.message);
  if (!bytes) return;
  session.send(
    multiLineBody(
      topOfMessage(bytes, found.message.headerSize, Number(parts[1])),
      '+OK Top of message follows',
    ),
  );
};

const dele: CommandHandler = async (session, args) => {
  if (!transaction(session)) return;
  const parts = splitArgs(args);
  if (parts.length !== 1) return session.reply('-ERR DELE needs one message number');
  const found = messageArgument(session, parts[0]);
  if (!found) return;
  session.deleted.add(found.number);
  session.reply(`+OK Message ${found.number} deleted`);
};

const rset: CommandHandler = async (session, args) => {
  const maildrop = transaction(session);
  if (!maildrop) return;
  if (args.trim()) return session.reply('-ERR RSET takes no arguments');
  session.deleted.clear();
  session.reply(`+OK ${maildrop.messages.length} messages`);
};

const noop: CommandHandler = async (session, args) => {
  if (!transaction(session)) return;
  if (args.trim()) return session.reply('-ERR NOOP takes no arguments');
  session.reply('+OK');
};

const quit: CommandHandler = async (session) => {
  if (session.state !== 'transaction' || !session.maildrop) {
    session.reply('+OK Bye');
    return session.end();
  }
  // UPDATE state (RFC 1939 section 6): only now do DELE'd messages go, all in one transaction.
  session.state = 'update';
  const maildrop = session.maildrop;
  const uids = [...session.deleted].map((number) => maildrop.messages[number - 1].uid);
  const read = [...session.retrieved].filter(
    (number) => !session.deleted.has(number) && !maildrop.messages[number - 1].seen,
  );
  try {
    await expungeMessages(maildrop.folderId, uids);
    const readUids = read.map((number) => maildrop.messages[number - 1].uid);
    if (readUids.length > 0)
      await updateFlags(maildrop.folderId, readUids, {
        operation: 'add',
        system: { seen: true },
        keywords: [],
      });
    await session.releaseLock(); // a client that reconnects right after "+OK" finds the maildrop free
    session.reply(`+OK Bye, ${uids.length} messages deleted`);
  } catch (error) {
    logger.error('pop3 update failed', { error: String(error) });
    session.reply('-ERR [SYS/TEMP] Deleted messages could not be removed');
  }
  session.end();
};

export const mailCommands: Record<string, CommandHandler> = {
  STAT: stat,
  LIST: listOrUidl((_, message) => String(message.size)),
  UIDL: listOrUidl(uidlOf),
  RETR: retr,
  TOP: top,
  DELE: dele,
  RSET: rset,
  NOOP: noop,
  QUIT: quit,
};
