// COPY, MOVE and their UID forms (RFC 9051 sections 6.4.7-6.4.8) with UIDPLUS's COPYUID
// (RFC 4315) and TRYCREATE when the target does not exist.
import { copyMessages, moveMessages, QuotaExceededError } from '../../store';
import { no } from '../errors';
import { formatSequence } from '../parser';
import { SELECTED, type CommandHandler } from './types';
import { mailboxArg, requireFolder, resolveSet, selected } from './util';

function copyCommand(byUid: boolean, move: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: 'full',
    async run(session, command) {
      const mailbox = selected(session);
      const ranges = command.args.sequenceSet();
      const target = mailboxArg(session, command.args);
      command.args.end();
      const uids = resolveSet(mailbox, ranges, byUid);
      const folder = await requireFolder(session, target, true);
      if (move && mailbox.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
      let result;
      try {
        result = move
          ? await moveMessages(mailbox.folderId, uids, folder.id)
          : await copyMessages(mailbox.folderId, uids, folder.id);
      } catch (error) {
        if (error instanceof QuotaExceededError) throw no('Mailbox is over quota', 'OVERQUOTA');
        throw error;
      }
      if (result.mapping.length === 0) return move ? 'No messages moved' : 'No messages copied';
      const copyUid = `COPYUID ${result.uidValidity} ${formatSequence(result.mapping.map(([from]) => from))} ${formatSequence(result.mapping.map(([, to]) => to))}`;
      if (!move) return `[${copyUid}] COPY completed`;
      // RFC 6851 section 4.3: COPYUID goes in an untagged OK before the expunges.
      session.send(`* OK [${copyUid}] Moved`);
      await mailbox.sync(session, true);
      return 'MOVE completed';
    },
  };
}

export const COPY = copyCommand(false, false);
export const UID_COPY = copyCommand(true, false);
export const MOVE = copyCommand(false, true);
export const UID_MOVE = copyCommand(true, true);
