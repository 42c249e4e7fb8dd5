// APPEND (RFC 9051 section 6.3.12) with flags and date; durable before OK (appendMessage fsyncs
// and commits), APPENDUID (RFC 4315), TRYCREATE, APPENDLIMIT (RFC 7889) and OVERQUOTA.
import { appendMessage, QuotaExceededError } from '../../store';
import { bad, no } from '../errors';
import { parseImapDate } from '../format';
import { APPEND_LIMIT } from '../capabilities';
import { AUTHED, type CommandHandler } from './types';
import { mailboxArg, requireFolder } from './util';
import { parseFlags } from './store';

export const APPEND: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const name = mailboxArg(session, command.args);
    const flagTokens = command.args.optionalList() ?? [];
    let internalDate: Date | undefined;
    const next = command.args.peek();
    if (next?.kind === 'string' && !next.literal && command.args.remaining > 1) {
      const date = parseImapDate(command.args.astring('date'), true);
      if (!date) throw bad('Invalid date-time');
      internalDate = date;
    }
    const message = command.args.bytes('message');
    command.args.end();
    const flags = parseFlags(flagTokens);
    if (message.length === 0) throw no('Cannot append an empty message');
    if (message.length > APPEND_LIMIT) throw no('Message is too large', 'TOOBIG');
    const folder = await requireFolder(session, name, true);
    try {
      const [result] = await appendMessage(message, [{ folderId: folder.id, flags: flags.system, keywords: flags.keywords }], { internalDate });
      return `[APPENDUID ${result!.uidValidity} ${result!.uid}] APPEND completed`;
    } catch (error) {
      if (error instanceof QuotaExceededError) throw no('Mailbox is over quota', 'OVERQUOTA');
      throw error;
    }
  },
};
