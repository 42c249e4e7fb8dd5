// SORT (RFC 5256 section 3) with DISPLAYFROM/DISPLAYTO (RFC 5957) and ESORT's RETURN (RFC 5267):
// search first, then order by keys read from the cached envelope; ties by sequence number.
import { readSortRows, searchMessages, type SortRow } from '../../store';
import { decodeWords, type Envelope, type EnvelopeAddress } from '../../mime';
import { bad, no } from '../errors';
import { atomsOf } from '../parser';
import { SELECTED, type CommandHandler } from './types';
import { selected } from './util';
import { parseSearchQuery } from './search';

const KEYS = new Set(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** The base subject of RFC 5256 section 2.1 (decoded text): no Re:/Fwd: leaders, [blobs], (fwd) trailers. */
export function baseSubject(subject: string | null): string {
  let text = (subject ?? '').replace(/[\t\r\n ]+/g, ' ').trim();
  for (;;) {
    let changed = true;
    while (changed) {
      changed = false;
      const trailer = text.replace(/(\s*\(fwd\))+\s*$/i, '').replace(/\s+$/, '');
      if (trailer !== text) [text, changed] = [trailer, true];
      const leader = text.replace(/^(\[[^[\]]*\]\s*)*(re|fwd?)\s*(\[[^[\]]*\])?\s*:\s*/i, '');
      if (leader !== text) [text, changed] = [leader, true];
      const blob = text.replace(/^\[[^[\]]*\]\s*/, '');
      if (blob !== text && blob !== '') [text, changed] = [blob, true];
    }
    const wrapped = /^\[fwd:\s*(.*)\]$/i.exec(text);
    if (!wrapped) return text;
    text = wrapped[1]!.trim();
  }
}

/** The first address; a group's start counts, its name being the mailbox (as Dovecot sorts). */
function firstAddress(list: EnvelopeAddress[] | null): EnvelopeAddress | null {
  return list?.[0] ?? null;
}

function display(list: EnvelopeAddress[] | null): string {
  const first = firstAddress(list);
  if (!first) return '';
  return decodeWords(first.name ?? '').trim() || (first.host ? `${first.mailbox}@${first.host}` : (first.mailbox ?? ''));
}

/** Numbers in the given order, runs of consecutive ascending numbers as a:b (RFC 5267 ALL). */
function formatOrdered(numbers: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

interface Keyed {
  uid: number;
  seq: number;
  row: SortRow;
  envelope: Envelope;
}

function keyValue(item: Keyed, key: string): string | number {
  const e = item.envelope;
  switch (key) {
    case 'ARRIVAL':
      return item.row.internalDate.getTime();
    case 'DATE':
      return (item.row.sentDate ?? item.row.internalDate).getTime();
    case 'SIZE':
      return item.row.size;
    case 'SUBJECT':
      return baseSubject(decodeWords(e.subject)).toUpperCase(); // i;unicode-casemap compares upper case
    case 'FROM':
      return (firstAddress(e.from)?.mailbox ?? '').toUpperCase();
    case 'TO':
      return (firstAddress(e.to)?.mailbox ?? '').toUpperCase();
    case 'CC':
      return (firstAddress(e.cc)?.mailbox ?? '').toUpperCase();
    case 'DISPLAYFROM':
      return display(e.from).toUpperCase();
    default:
      return display(e.to).toUpperCase();
  }
}

function sortCommand(byUid: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: byUid ? 'full' : 'noexpunge',
    async run(session, command) {
      const mailbox = selected(session);
      let returns: string[] | null = null;
      if (command.args.acceptAtom('RETURN')) returns = atomsOf(command.args.list('RETURN options'), 'RETURN options').map((o) => o.toUpperCase());
      const keyWords = atomsOf(command.args.list('sort criteria'), 'sort criteria').map((k) => k.toUpperCase());
      const criteria: { key: string; reverse: boolean }[] = [];
      for (let i = 0; i < keyWords.length; i++) {
        const reverse = keyWords[i] === 'REVERSE';
        const key = reverse ? keyWords[++i] : keyWords[i];
        if (!key || !KEYS.has(key)) throw bad('Invalid sort criteria');
        criteria.push({ key, reverse });
      }
      if (criteria.length === 0) throw bad('Empty sort criteria');
      const charset = command.args.astring('charset').toUpperCase();
      if (charset !== 'UTF-8' && charset !== 'US-ASCII') throw no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      const query = parseSearchQuery(session, mailbox, command.tokens.slice(command.tokens.length - command.args.remaining));
      const found = (await searchMessages(mailbox.folderId, query)).uids.filter((uid) => mailbox.seqOf(uid) > 0);
      const items: Keyed[] = (await readSortRows(mailbox.folderId, found)).map((row) => ({ uid: row.uid, seq: mailbox.seqOf(row.uid), row, envelope: JSON.parse(row.envelope) as Envelope }));
      const keys = new Map(items.map((item) => [item.uid, criteria.map((c) => keyValue(item, c.key))]));
      items.sort((a, b) => {
        const ka = keys.get(a.uid)!;
        const kb = keys.get(b.uid)!;
        for (let i = 0; i < criteria.length; i++) {
          const x = ka[i]!;
          const y = kb[i]!;
          const order = x < y ? -1 : x > y ? 1 : 0;
          if (order !== 0) return criteria[i]!.reverse ? -order : order;
        }
        return a.seq - b.seq;
      });
      const numbers = items.map((item) => (byUid ? item.uid : item.seq));
      if (!returns) {
        session.send(`* SORT${numbers.map((n) => ` ${n}`).join('')}`);
        return;
      }
      const parts = [`(TAG "${command.tag}")`];
      if (byUid) parts.push('UID');
      const wanted = returns.length ? returns : ['ALL'];
      if (numbers.length > 0) {
        if (wanted.includes('MIN')) parts.push(`MIN ${Math.min(...numbers)}`);
        if (wanted.includes('MAX')) parts.push(`MAX ${Math.max(...numbers)}`);
        if (wanted.includes('ALL')) parts.push(`ALL ${formatOrdered(numbers)}`);
      }
      if (wanted.includes('COUNT')) parts.push(`COUNT ${numbers.length}`);
      session.send(`* ESEARCH ${parts.join(' ')}`);
    },
  };
}

export const SORT = sortCommand(false);
export const UID_SORT = sortCommand(true);
