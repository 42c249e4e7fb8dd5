// SORT (RFC 5256 section 3) with DISPLAYFROM/DISPLAYTO (RFC 5957), ESORT's RETURN and
// CONTEXT=SORT's UPDATE and PARTIAL (RFC 5267, RFC 9394): search first, then order by keys read
// from the cached envelope; ties by sequence number.
import { readSortRows, searchMessages, type SortRow } from '../../store';
import { decodeWords, type Envelope, type EnvelopeAddress } from '../../mime';
import { bad, no } from '../errors';
import { atomsOf } from '../parser';
import { assertTagFree, followResult, type ResultOrder, type SortKey } from '../search-context';
import { parseReturnOptions, resultItems } from './search-return';
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
  return (
    decodeWords(first.name ?? '').trim() ||
    (first.host ? `${first.mailbox}@${first.host}` : (first.mailbox ?? ''))
  );
}

function keyValue(row: SortRow, e: Envelope, key: string): SortKey {
  switch (key) {
    case 'ARRIVAL':
      return row.internalDate.getTime();
    case 'DATE':
      return (row.sentDate ?? row.internalDate).getTime();
    case 'SIZE':
      return row.size;
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

interface Criterion {
  key: string;
  reverse: boolean;
}

function parseCriteria(words: string[]): Criterion[] {
  const criteria: Criterion[] = [];
  for (let i = 0; i < words.length; i++) {
    const reverse = words[i] === 'REVERSE';
    const key = reverse ? words[++i] : words[i];
    if (!key || !KEYS.has(key)) throw bad('Invalid sort criteria');
    criteria.push({ key, reverse });
  }
  if (criteria.length === 0) throw bad('Empty sort criteria');
  return criteria;
}

/** Sort keys read from the store and the cached envelope; also how an updating SORT orders new results. */
function resultOrder(folderId: number, criteria: Criterion[]): ResultOrder {
  return {
    async keysOf(uids) {
      const rows = await readSortRows(folderId, uids);
      return new Map(
        rows.map((row) => {
          const envelope = JSON.parse(row.envelope) as Envelope;
          return [row.uid, criteria.map((c) => keyValue(row, envelope, c.key))];
        }),
      );
    },
    compare(a, b) {
      for (let i = 0; i < criteria.length; i++) {
        const order = a[i]! < b[i]! ? -1 : a[i]! > b[i]! ? 1 : 0;
        if (order !== 0) return criteria[i]!.reverse ? -order : order;
      }
      return 0;
    },
  };
}

function sortCommand(byUid: boolean): CommandHandler {
  return {
    states: SELECTED,
    sync: byUid ? 'full' : 'noexpunge',
    async run(session, command) {
      const mailbox = selected(session);
      const returns = parseReturnOptions(command.args);
      if (returns?.update) assertTagFree(mailbox, command.tag);
      const criteria = parseCriteria(
        atomsOf(command.args.list('sort criteria'), 'sort criteria').map((k) => k.toUpperCase()),
      );
      const charset = command.args.astring('charset').toUpperCase();
      if (charset !== 'UTF-8' && charset !== 'US-ASCII')
        throw no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      const query = parseSearchQuery(
        session,
        mailbox,
        command.tokens.slice(command.tokens.length - command.args.remaining),
      );
      const found = (await searchMessages(mailbox.folderId, query)).uids.filter(
        (uid) => mailbox.seqOf(uid) > 0,
      );
      const order = resultOrder(mailbox.folderId, criteria);
      const keys = await order.keysOf(found);
      // Ties by sequence number, which is UID order.
      const sorted = found
        .filter((uid) => keys.has(uid))
        .sort((a, b) => order.compare(keys.get(a)!, keys.get(b)!) || a - b);
      const numbers = byUid ? sorted : sorted.map((uid) => mailbox.seqOf(uid));
      if (!returns) {
        session.send(`* SORT${numbers.map((n) => ` ${n}`).join('')}`);
        return;
      }
      if (returns.update)
        followResult(session, mailbox, { tag: command.tag, byUid, query, uids: sorted, order, keys });
      session.send(
        `* ESEARCH ${[`(TAG "${command.tag}")`, ...(byUid ? ['UID'] : []), ...resultItems(numbers, returns, true)].join(' ')}`,
      );
    },
  };
}

export const SORT = sortCommand(false);
export const UID_SORT = sortCommand(true);
