// Helpers shared by command modules: mailbox-name arguments, the selected mailbox, messages named
// by a sequence set (sequence numbers or UIDs).
import { findFolder, FolderError } from '../../store';
import { decodeMailboxName } from '../format';
import { bad, no, ImapError } from '../errors';
import { selectSeqIndexes, selectUidIndexes, type Args, type SeqRange } from '../parser';
import type { ImapSession } from '../session';
import type { SelectedMailbox } from '../mailbox';

/** A mailbox name argument, decoded from modified UTF-7 unless the client speaks UTF-8. */
export function mailboxArg(session: ImapSession, args: Args): string {
  const raw = args.astring('mailbox name');
  return session.utf8 ? raw : decodeMailboxName(raw);
}

export async function requireFolder(session: ImapSession, name: string, tryCreate = false) {
  const folder = await findFolder(session.user!.id, name);
  if (!folder) throw no('Mailbox does not exist', tryCreate ? 'TRYCREATE' : 'NONEXISTENT');
  return folder;
}

export function selected(session: ImapSession): SelectedMailbox {
  if (!session.mailbox) throw bad('No mailbox selected');
  return session.mailbox;
}

/** UIDs named by a set, in ascending order. Sequence numbers out of range are a BAD. */
export function resolveSet(mailbox: SelectedMailbox, ranges: SeqRange[], byUid: boolean): number[] {
  if (byUid) return selectUidIndexes(ranges, mailbox.uids).map((i) => mailbox.uids[i]!);
  const indexes = selectSeqIndexes(ranges, mailbox.uids.length);
  if (indexes === null) throw bad('Invalid message sequence number');
  return indexes.map((i) => mailbox.uids[i]!);
}

export function isUidCommand(name: string): boolean {
  return name.startsWith('UID ');
}

export function folderErrorToImap(error: unknown): never {
  if (error instanceof FolderError) {
    const code = {
      exists: 'ALREADYEXISTS',
      missing: 'NONEXISTENT',
      invalid: 'CANNOT',
      inbox: 'CANNOT',
      'special-use': 'USEATTR',
    }[error.reason];
    throw new ImapError('NO', error.message, code);
  }
  throw error;
}
