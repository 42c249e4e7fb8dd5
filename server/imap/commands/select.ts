// SELECT and EXAMINE (RFC 9051 sections 6.3.2-6.3.3) with CONDSTORE and QRESYNC parameters
// (RFC 7162 section 3.2.5), CLOSE, UNSELECT (RFC 3691), CHECK, EXPUNGE and UID EXPUNGE (RFC 4315).
import {
  deletedUids,
  expungeMessages,
  flagsChangedSince,
  folderStateByName,
  normaliseFolderName,
} from '../../store';
import { bad, no } from '../errors';
import { parseSequenceSet, type Token } from '../parser';
import { vanishedSince } from '../vanished';
import { SelectedMailbox } from '../mailbox';
import { mailboxOut } from '../format';
import type { ImapSession } from '../session';
import { AUTHED, SELECTED, type CommandHandler } from './types';
import { mailboxArg, resolveSet, selected } from './util';

interface QresyncParams {
  uidValidity: number;
  modseq: bigint;
  knownUids: string | null;
}

function parseSelectParams(
  session: ImapSession,
  params: Token[] | null,
): { condstore: boolean; qresync: QresyncParams | null } {
  let condstore = false;
  let qresync: QresyncParams | null = null;
  if (!params) return { condstore, qresync };
  for (let i = 0; i < params.length; i++) {
    const token = params[i]!;
    const word = token.kind === 'atom' ? token.value.toUpperCase() : '';
    if (word === 'CONDSTORE') condstore = true;
    else if (word === 'QRESYNC') {
      if (!session.enabled.has('QRESYNC')) throw bad('Enable QRESYNC first');
      const list = params[++i];
      if (list?.kind !== 'list' || list.items.length < 2) throw bad('QRESYNC needs (uidvalidity modseq ...)');
      const [validity, modseq, known] = list.items;
      if (
        validity?.kind !== 'atom' ||
        !/^\d+$/.test(validity.value) ||
        modseq?.kind !== 'atom' ||
        !/^\d+$/.test(modseq.value)
      )
        throw bad('Bad QRESYNC parameters');
      if (known && (known.kind !== 'atom' || !/^[\d:,*]+$/.test(known.value))) throw bad('Bad known UIDs');
      qresync = {
        uidValidity: Number(validity.value),
        modseq: BigInt(modseq.value),
        knownUids: known?.kind === 'atom' ? known.value : null,
      };
    } else throw bad(`Unknown SELECT parameter ${word.slice(0, 20)}`);
  }
  return { condstore, qresync };
}

function deselect(session: ImapSession): boolean {
  if (!session.mailbox) return false;
  session.mailbox.close();
  session.mailbox = null;
  session.state = 'auth';
  return true;
}

function selectCommand(readOnly: boolean): CommandHandler {
  return {
    states: AUTHED,
    sync: 'none',
    async run(session, command) {
      const name = mailboxArg(session, command.args);
      const params = parseSelectParams(session, command.args.optionalList());
      command.args.end();
      // RFC 7162 section 3.2.11: the old mailbox is closed first, whatever happens next.
      if (deselect(session)) session.send('* OK [CLOSED] Previous mailbox closed');
      if (params.condstore) session.enabled.add('CONDSTORE');
      const state = await folderStateByName(session.user!.id, normaliseFolderName(name));
      if (!state) throw no('Mailbox does not exist', 'NONEXISTENT');
      const folder = state.folder;
      const mailbox = await SelectedMailbox.open(state, readOnly);
      session.mailbox = mailbox;
      session.state = 'selected';
      const rev2 = session.enabled.has('IMAP4REV2');
      for (const line of mailbox.flagLines()) session.send(line);
      session.send(`* ${mailbox.uids.length} EXISTS`);
      if (!rev2) session.send(`* ${mailbox.recent.size} RECENT`);
      if (!rev2 && mailbox.firstUnseenUid !== null)
        session.send(`* OK [UNSEEN ${mailbox.seqOf(mailbox.firstUnseenUid)}] First unseen`);
      session.send(`* OK [UIDVALIDITY ${mailbox.uidValidity}] UIDs valid`);
      session.send(`* OK [UIDNEXT ${mailbox.uidNext}] Predicted next UID`);
      session.send(`* OK [HIGHESTMODSEQ ${mailbox.highestModseq}] Highest`);
      if (rev2) session.send(`* LIST () "/" ${mailboxOut(folder.name, true)}`);
      if (params.qresync && params.qresync.uidValidity === mailbox.uidValidity)
        await resynchronise(session, mailbox, params.qresync);
      return `[${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${readOnly ? 'EXAMINE' : 'SELECT'} completed`;
    },
  };
}

/** QRESYNC: what changed since the client's MODSEQ, as VANISHED (EARLIER) and FETCH. */
async function resynchronise(
  session: ImapSession,
  mailbox: SelectedMailbox,
  params: QresyncParams,
): Promise<void> {
  const known = params.knownUids ? parseSequenceSet(params.knownUids) : null;
  const vanished = await vanishedSince(mailbox, params.modseq, known);
  if (vanished) session.send(`* VANISHED (EARLIER) ${vanished}`);
  for (const row of await flagsChangedSince(mailbox.folderId, params.modseq)) {
    const seq = mailbox.seqOf(row.uid);
    if (seq)
      session.send(
        `* ${seq} FETCH (UID ${row.uid} FLAGS ${mailbox.flagsOf(session, row)} MODSEQ (${row.modseq}))`,
      );
  }
}

export const SELECT = selectCommand(false);
export const EXAMINE = selectCommand(true);

export const CLOSE: CommandHandler = {
  states: SELECTED,
  sync: 'none',
  async run(session, command) {
    command.args.end();
    const mailbox = selected(session);
    // RFC 9051 section 6.4.1: silently expunge \Deleted messages, unless read-only.
    if (!mailbox.readOnly) await expungeMessages(mailbox.folderId, await deletedUids(mailbox.folderId), true);
    deselect(session);
  },
};

export const UNSELECT: CommandHandler = {
  states: SELECTED,
  sync: 'none',
  async run(session, command) {
    command.args.end();
    deselect(session);
  },
};

export const CHECK: CommandHandler = {
  states: SELECTED,
  sync: 'full',
  async run(_session, command) {
    command.args.end();
  },
};

function expungeCommand(byUid: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: 'full',
    async run(session, command) {
      const mailbox = selected(session);
      const within = byUid ? resolveSet(mailbox, command.args.sequenceSet('UID set'), true) : undefined;
      command.args.end();
      if (mailbox.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
      const uids = await deletedUids(mailbox.folderId, within);
      await expungeMessages(mailbox.folderId, uids, true);
      mailbox.modseqInTaggedReply = true;
      try {
        await mailbox.sync(session, true);
      } finally {
        mailbox.modseqInTaggedReply = false;
      }
      return session.condstore ? `[HIGHESTMODSEQ ${mailbox.highestModseq}] Expunged` : undefined;
    },
  };
}

export const EXPUNGE = expungeCommand(false);
export const UID_EXPUNGE = expungeCommand(true);
