// STORE and UID STORE (RFC 9051 section 6.4.6) with keywords and CONDSTORE's UNCHANGEDSINCE
// (RFC 7162 section 3.1.3): messages changed since are left alone and named in [MODIFIED ...].
import { updateFlags, type FlagChange } from '../../store';
import { bad, no } from '../errors';
import { formatSequence, type Token } from '../parser';
import { SELECTED, type CommandHandler } from './types';
import { resolveSet, selected } from './util';

const SYSTEM: Record<string, keyof FlagChange['system']> = {
  '\\SEEN': 'seen',
  '\\ANSWERED': 'answered',
  '\\FLAGGED': 'flagged',
  '\\DELETED': 'deleted',
  '\\DRAFT': 'draft',
};

/** Flags of STORE or APPEND: system flags by name, keywords as atoms; \Recent is ignored. */
export function parseFlags(tokens: Token[]): Pick<FlagChange, 'system' | 'keywords'> {
  const change: Pick<FlagChange, 'system' | 'keywords'> = { system: {}, keywords: [] };
  for (const token of tokens) {
    if (token.kind !== 'atom') throw bad('Flags must be atoms');
    const flag = token.value;
    if (flag.startsWith('\\')) {
      const name = SYSTEM[flag.toUpperCase()];
      if (name) change.system[name] = true;
      else if (flag.toUpperCase() !== '\\RECENT') throw bad(`Unknown system flag ${flag.slice(0, 20)}`);
    } else {
      if (!/^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c\x7e]+$/.test(flag) || flag.length > 64)
        throw bad(`Invalid keyword ${flag.slice(0, 20)}`);
      change.keywords.push(flag);
    }
  }
  return change;
}

function storeCommand(byUid: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: byUid ? 'full' : 'noexpunge',
    async run(session, command) {
      const mailbox = selected(session);
      const ranges = command.args.sequenceSet();
      let unchangedSince: bigint | undefined;
      const modifiers = command.args.optionalList();
      if (modifiers) {
        const [name, value] = modifiers;
        if (
          modifiers.length !== 2 ||
          name?.kind !== 'atom' ||
          name.value.toUpperCase() !== 'UNCHANGEDSINCE' ||
          value?.kind !== 'atom' ||
          !/^\d{1,19}$/.test(value.value)
        )
          throw bad('Unknown STORE modifier');
        unchangedSince = BigInt(value.value);
        session.enableCondstore();
      }
      const action = command.args.atom('STORE action').toUpperCase();
      const match = /^([+-]?)FLAGS(\.SILENT)?$/.exec(action);
      if (!match) throw bad('STORE action must be FLAGS, +FLAGS or -FLAGS');
      const rest: Token[] = [];
      while (command.args.remaining > 0) {
        const token = command.args.next('flags');
        if (token.kind === 'list') rest.push(...token.items);
        else rest.push(token);
      }
      const flags = parseFlags(rest);
      if (mailbox.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
      const uids = resolveSet(mailbox, ranges, byUid);
      const operation = match[1] === '+' ? 'add' : match[1] === '-' ? 'remove' : 'set';
      const result = await updateFlags(mailbox.folderId, uids, { operation, ...flags }, unchangedSince);
      const silent = match[2] !== undefined;
      mailbox.announceKeywords(
        session,
        result.rows.map((row) => row.keywords),
      );
      for (const row of result.rows) {
        mailbox.rememberOwnModseq(row.modseq);
        const seq = mailbox.seqOf(row.uid);
        if (seq === 0) continue;
        // RFC 7162 3.1.3: with UNCHANGEDSINCE the new MODSEQ is reported even for .SILENT.
        if (silent && unchangedSince === undefined) continue;
        const parts = [
          byUid ? `UID ${row.uid}` : '',
          silent ? '' : `FLAGS ${mailbox.flagsOf(session, row)}`,
          session.condstore ? `MODSEQ (${row.modseq})` : '',
        ].filter(Boolean);
        session.send(`* ${seq} FETCH (${parts.join(' ')})`);
      }
      if (result.modified.length > 0) {
        const named = byUid
          ? result.modified
          : result.modified.map((uid) => mailbox.seqOf(uid)).filter(Boolean);
        return `[MODIFIED ${formatSequence(named)}] Conditional STORE failed for some messages`;
      }
    },
  };
}

export const STORE = storeCommand(false);
export const UID_STORE = storeCommand(true);
