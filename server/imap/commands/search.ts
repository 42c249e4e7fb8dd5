// SEARCH and UID SEARCH (RFC 9051 section 6.4.4, every RFC 3501 key) with CHARSET UTF-8,
// ESEARCH's RETURN (MIN MAX COUNT ALL) (RFC 4731), CONTEXT=SEARCH's UPDATE and PARTIAL (RFC 5267,
// RFC 9394) and CONDSTORE's MODSEQ (RFC 7162 3.1.5).
import { searchMessages, type SearchNode } from '../../store';
import { bad, no } from '../errors';
import { isSequenceSet, parseSequenceSet, tokenText, type Token } from '../parser';
import { parseImapDate } from '../format';
import type { ImapSession } from '../session';
import type { SelectedMailbox } from '../mailbox';
import { assertTagFree, followResult } from '../search-context';
import {
  parseReturnOptions,
  partialWindow,
  resultItems,
  RETURN_ALL,
  type ReturnOptions,
} from './search-return';
import { SELECTED, type CommandHandler } from './types';
import { resolveSet, selected } from './util';

const FLAG_KEYS: Record<string, Extract<SearchNode, { op: 'flag' }>> = {
  SEEN: { op: 'flag', flag: 'seen', value: true },
  UNSEEN: { op: 'flag', flag: 'seen', value: false },
  ANSWERED: { op: 'flag', flag: 'answered', value: true },
  UNANSWERED: { op: 'flag', flag: 'answered', value: false },
  FLAGGED: { op: 'flag', flag: 'flagged', value: true },
  UNFLAGGED: { op: 'flag', flag: 'flagged', value: false },
  DELETED: { op: 'flag', flag: 'deleted', value: true },
  UNDELETED: { op: 'flag', flag: 'deleted', value: false },
  DRAFT: { op: 'flag', flag: 'draft', value: true },
  UNDRAFT: { op: 'flag', flag: 'draft', value: false },
};
const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};
const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);
const MAX_DEPTH = 32;

/** In SEARCH a number past the end matches nothing rather than being an error (as Dovecot does). */
function resolveSeqLenient(mailbox: SelectedMailbox, ranges: ReturnType<typeof parseSequenceSet>): number[] {
  const count = mailbox.uids.length;
  const clipped = ranges
    .map(({ from, to }) => ({
      from: from === 0 ? count : Math.min(from, count + 1),
      to: to === 0 ? count : Math.min(to, count + 1),
    }))
    .filter(({ from, to }) => count > 0 && Math.min(from, to) <= count);
  return clipped.length
    ? resolveSet(
        mailbox,
        clipped.map(({ from, to }) => ({
          from: Math.max(1, Math.min(from, count)),
          to: Math.max(1, Math.min(to, count)),
        })),
        false,
      )
    : [];
}

class KeyReader {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly session: ImapSession,
    private readonly mailbox: SelectedMailbox,
  ) {}

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  private next(what: string): Token {
    const token = this.tokens[this.index++];
    if (!token) throw bad(`SEARCH: missing ${what}`);
    return token;
  }

  private text(what: string): string {
    return tokenText(this.next(what), what);
  }

  private atom(what: string): string {
    const token = this.next(what);
    if (token.kind !== 'atom') throw bad(`SEARCH: ${what} must be an atom`);
    return token.value;
  }

  private date(): Date {
    const day = parseImapDate(this.text('date'), false);
    if (!day) throw bad('SEARCH: invalid date');
    return day;
  }

  private number(what: string): number {
    const value = this.atom(what);
    if (!/^\d{1,10}$/.test(value)) throw bad(`SEARCH: ${what} must be a number`);
    return Number(value);
  }

  /** \Recent is per session (RFC 3501 2.3.2), so it becomes the session's UID list. */
  private recent(): SearchNode {
    return { op: 'uid', uids: [...this.mailbox.recent].sort((a, b) => a - b) };
  }

  key(depth = 0): SearchNode {
    if (depth > MAX_DEPTH) throw bad('SEARCH nested too deeply');
    const token = this.next('search key');
    if (token.kind === 'list') {
      const inner = new KeyReader(token.items, this.session, this.mailbox);
      const nodes: SearchNode[] = [];
      while (!inner.done) nodes.push(inner.key(depth + 1));
      if (nodes.length === 0) throw bad('SEARCH: empty parenthesised key');
      return { op: 'and', nodes };
    }
    if (token.kind !== 'atom') throw bad('SEARCH: unexpected string');
    const word = token.value.toUpperCase();
    if (isSequenceSet(token.value))
      return { op: 'uid', uids: resolveSeqLenient(this.mailbox, parseSequenceSet(token.value)) };
    if (FLAG_KEYS[word]) return FLAG_KEYS[word];
    if (DATE_KEYS[word]) {
      const [field, cmp] = DATE_KEYS[word];
      return { op: 'date', field, cmp, day: this.date() };
    }
    if (HEADER_KEYS.has(word)) return { op: 'header', field: word.toLowerCase(), text: this.text('text') };
    switch (word) {
      case 'ALL':
        return { op: 'all' };
      case 'RECENT':
        return this.recent();
      case 'OLD':
        return { op: 'not', node: this.recent() };
      case 'NEW':
        return { op: 'and', nodes: [this.recent(), { op: 'flag', flag: 'seen', value: false }] };
      case 'KEYWORD':
        return { op: 'keyword', keyword: this.atom('keyword'), value: true };
      case 'UNKEYWORD':
        return { op: 'keyword', keyword: this.atom('keyword'), value: false };
      case 'HEADER':
        return { op: 'header', field: this.text('header name'), text: this.text('text') };
      case 'BODY':
        return { op: 'body', text: this.text('text') };
      case 'TEXT':
        return { op: 'text', text: this.text('text') };
      case 'LARGER':
        return { op: 'size', cmp: 'larger', bytes: this.number('size') };
      case 'SMALLER':
        return { op: 'size', cmp: 'smaller', bytes: this.number('size') };
      case 'UID': {
        const set = this.atom('UID set');
        if (!isSequenceSet(set)) throw bad('SEARCH: invalid UID set');
        return { op: 'uid', uids: resolveSet(this.mailbox, parseSequenceSet(set), true) };
      }
      case 'NOT':
        return { op: 'not', node: this.key(depth + 1) };
      case 'OR':
        return { op: 'or', a: this.key(depth + 1), b: this.key(depth + 1) };
      case 'MODSEQ': {
        // RFC 7162 3.1.5: optional entry name and type before the number.
        const first = this.next('mod-sequence');
        let value = first.kind === 'atom' ? first.value : '';
        if (first.kind === 'string' || value.startsWith('/')) {
          this.next('entry type');
          value = this.atom('mod-sequence');
        }
        if (!/^\d{1,19}$/.test(value)) throw bad('SEARCH: invalid MODSEQ');
        this.session.enableCondstore();
        return { op: 'modseq', modseq: BigInt(value) };
      }
      default:
        throw bad(`SEARCH: unknown key ${word.slice(0, 20)}`);
    }
  }
}

/** The search keys of SEARCH, SORT and THREAD as one query (their conjunction). */
export function parseSearchQuery(
  session: ImapSession,
  mailbox: SelectedMailbox,
  tokens: Token[],
): SearchNode {
  const reader = new KeyReader(tokens, session, mailbox);
  const nodes: SearchNode[] = [];
  while (!reader.done) nodes.push(reader.key());
  if (nodes.length === 0) throw bad('Missing search key');
  return nodes.length === 1 ? nodes[0]! : { op: 'and', nodes };
}

/** RFC 7162 3.1.5 with RFC 4731: the MODSEQ of the messages returned (MIN/MAX/PARTIAL alone: of those only). */
function returnedModseq(known: { modseq: bigint }[], returns: ReturnOptions): bigint {
  let reported = known;
  if (!returns.all && !returns.count) {
    reported = returns.partial ? partialWindow(known, returns.partial) : [];
    if (returns.min) reported = [known[0]!, ...reported];
    if (returns.max) reported = [...reported, known[known.length - 1]!];
  }
  // biome-ignore lint/complexity/useMathMinMax: modseqs are bigints, which Math.max does not take
  return reported.reduce((max, entry) => (entry.modseq > max ? entry.modseq : max), 0n);
}

function searchCommand(byUid: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: byUid ? 'full' : 'noexpunge',
    async run(session, command) {
      const mailbox = selected(session);
      // IMAP4rev2 has no SEARCH response: without RETURN it answers ESEARCH as for RETURN (ALL).
      const returns =
        parseReturnOptions(command.args) ?? (session.enabled.has('IMAP4REV2') ? RETURN_ALL : null);
      if (returns?.update) assertTagFree(mailbox, command.tag);
      if (command.args.acceptAtom('CHARSET')) {
        const charset = command.args.astring('charset').toUpperCase();
        if (charset !== 'UTF-8' && charset !== 'US-ASCII')
          throw no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      }
      const query = parseSearchQuery(
        session,
        mailbox,
        command.tokens.slice(command.tokens.length - command.args.remaining),
      );
      const usesModseq = JSON.stringify(query, (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      ).includes('"modseq"');
      const result = await searchMessages(mailbox.folderId, query);
      // Only messages this session knows about (one delivered since is not numbered yet).
      const known = result.uids
        .map((uid, i) => ({ uid, modseq: result.modseqs[i]! }))
        .filter(({ uid }) => mailbox.seqOf(uid) > 0);
      const found = known.map(({ uid }) => uid);
      const numbers = byUid ? found : found.map((uid) => mailbox.seqOf(uid));
      if (!returns) {
        const modseq = usesModseq && found.length > 0 ? ` (MODSEQ ${result.highestModseq})` : '';
        session.send(`* SEARCH${numbers.map((n) => ` ${n}`).join('')}${modseq}`);
        return;
      }
      if (returns.update)
        followResult(session, mailbox, {
          tag: command.tag,
          byUid,
          query,
          uids: found,
          order: null,
          keys: null,
        });
      const parts = [
        `(TAG "${command.tag}")`,
        ...(byUid ? ['UID'] : []),
        ...resultItems(numbers, returns, false),
      ];
      const modseq = usesModseq && found.length > 0 ? returnedModseq(known, returns) : 0n;
      if (modseq > 0n) parts.push(`MODSEQ ${modseq}`);
      session.send(`* ESEARCH ${parts.join(' ')}`);
    },
  };
}

export const SEARCH = searchCommand(false);
export const UID_SEARCH = searchCommand(true);
