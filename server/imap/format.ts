// Small pieces of IMAP response syntax: flag lists, INTERNALDATE, mailbox names (modified UTF-7
// of RFC 3501 section 5.1.3 unless the client enabled UTF-8, RFC 9051 / RFC 6855).
import { imapString } from '../mime';
import type { FlagRow } from '../store';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** date-time: "23-Nov-2026 10:00:00 +0000" (always UTC). */
export function formatInternalDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `"${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000"`;
}

/** Parses date-time (APPEND) or date (SEARCH); null when malformed. */
export function parseImapDate(text: string, withTime: boolean): Date | null {
  const match = withTime
    ? /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text)
    : /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!match) return null;
  const month = MONTHS.findIndex((m) => m.toLowerCase() === match[2]!.toLowerCase());
  if (month < 0) return null;
  const day = Number(match[1]);
  if (day < 1 || day > 31) return null;
  if (!withTime) return new Date(Date.UTC(Number(match[3]), month, day));
  const [hours, minutes, seconds] = [Number(match[4]), Number(match[5]), Number(match[6])];
  if (hours > 23 || minutes > 59 || seconds > 60) return null;
  const offset = (match[7] === '-' ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9]));
  return new Date(Date.UTC(Number(match[3]), month, day, hours, minutes, seconds) - offset * 60_000);
}

export type FlagState = Omit<FlagRow, 'uid' | 'modseq'>;

export function flagList(state: FlagState): string[] {
  const flags: string[] = [];
  if (state.seen) flags.push('\\Seen');
  if (state.answered) flags.push('\\Answered');
  if (state.flagged) flags.push('\\Flagged');
  if (state.deleted) flags.push('\\Deleted');
  if (state.draft) flags.push('\\Draft');
  if (state.keywords) flags.push(...state.keywords.split(' ').filter(Boolean));
  return flags;
}

/** Flag lists without keywords, by bit mask of the five system flags: most messages have one. */
const SYSTEM_ONLY: string[] = [];

export function formatFlags(state: FlagState): string {
  if (state.keywords) return `(${flagList(state).join(' ')})`;
  const mask =
    (state.seen ? 1 : 0) |
    (state.answered ? 2 : 0) |
    (state.flagged ? 4 : 0) |
    (state.deleted ? 8 : 0) |
    (state.draft ? 16 : 0);
  return (SYSTEM_ONLY[mask] ??= `(${flagList(state).join(' ')})`);
}

/** Modified UTF-7 (RFC 3501 section 5.1.3) to Unicode. */
export function decodeMailboxName(name: string): string {
  return name.replace(/&([^-]*)-/g, (_, encoded: string) => {
    if (encoded === '') return '&';
    const bytes = Buffer.from(encoded.replace(/,/g, '/'), 'base64');
    let out = '';
    for (let i = 0; i + 1 < bytes.length; i += 2)
      out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
    return out;
  });
}

/** Unicode to modified UTF-7. */
export function encodeMailboxName(name: string): string {
  return name.replace(/&/g, '&-').replace(/[^\x20-\x7e]+/g, (run) => {
    const bytes = Buffer.alloc(run.length * 2);
    for (let i = 0; i < run.length; i++) bytes.writeUInt16BE(run.charCodeAt(i), i * 2);
    return `&${bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
  });
}

/** A mailbox name as the client should see it. */
export function mailboxOut(name: string, utf8: boolean): string {
  return imapString(utf8 ? name : encodeMailboxName(name), { utf8 });
}
