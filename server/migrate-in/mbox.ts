// mbox (mboxrd/mboxo, as Thunderbird, mutt and Dovecot's mbox write it): messages start at a
// "From " line, whose date is the internal date; ">From " lines are unquoted once. Flags come from
// Status (R seen) and X-Status (A answered, F flagged, T draft, D deleted), keywords from
// X-Keywords; those headers are taken out of the stored message, as an IMAP server does.
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from './message-sink';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "From sender Tue Mar  3 10:00:00 2026" (asctime, UTC) → the date; undefined when unreadable. */
export function parseFromLineDate(line: string): Date | undefined {
  const match = /(\w{3}) +(\d{1,2}) +(\d{1,2}):(\d\d)(?::(\d\d))? +(?:[A-Z]{3,4} +)?(\d{4})/.exec(
    line.slice(5),
  );
  if (!match) return undefined;
  const month = MONTHS.indexOf(match[1]!);
  if (month < 0) return undefined;
  return new Date(
    Date.UTC(
      Number(match[6]),
      month,
      Number(match[2]),
      Number(match[3]),
      Number(match[4]),
      Number(match[5] ?? 0),
    ),
  );
}

/** The lines of a file as bytes, each with its line end. */
async function* lines(path: string): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const data: Buffer = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let end = data.indexOf(0x0a); end >= 0; end = data.indexOf(0x0a, start)) {
      yield data.subarray(start, end + 1);
      start = end + 1;
    }
    rest = Buffer.from(data.subarray(start));
  }
  if (rest.length) yield rest;
}

const STATUS_HEADERS =
  /^(status|x-status|x-keywords|x-mozilla-status2?|x-uid|x-imap|x-imapbase|content-length):/i;

/** One message's lines (From_ line removed, quoting undone) → what the sink stores. */
export function buildMboxMessage(body: Buffer[], fromLineDate: Date | undefined): IncomingMessage {
  let headerDate: Date | undefined;
  const flags = { seen: false, answered: false, flagged: false, deleted: false, draft: false };
  const keywords: string[] = [];
  const kept: Buffer[] = [];
  let inHeader = true;
  let dropping = false;
  for (const line of body) {
    if (inHeader) {
      const text = line.toString('latin1');
      if (text === '\n' || text === '\r\n') inHeader = false;
      else if (!headerDate && /^date:/i.test(text)) {
        const parsed = new Date(text.slice(5).trim());
        if (!Number.isNaN(parsed.getTime())) headerDate = parsed;
      } else if (/^[ \t]/.test(text)) {
        if (dropping) continue;
      } else {
        dropping = STATUS_HEADERS.test(text);
        if (dropping) {
          const [name, ...value] = text.split(':');
          const v = value.join(':').trim();
          const header = name!.toLowerCase();
          if (header === 'status') flags.seen ||= v.includes('R');
          if (header === 'x-status') {
            flags.answered ||= v.includes('A');
            flags.flagged ||= v.includes('F');
            flags.draft ||= v.includes('T');
            flags.deleted ||= v.includes('D');
          }
          if (header === 'x-keywords') keywords.push(...v.split(/[\s,]+/).filter(Boolean));
          continue;
        }
      }
    }
    kept.push(line);
  }
  // The blank line that separates messages belongs to the mbox, not to the message.
  const last = kept.at(-1)?.toString('latin1');
  if (last === '\n' || last === '\r\n') kept.pop();
  // Without a readable From_ date, the Date header: either way a rerun finds the same date.
  const internalDate = fromLineDate ?? headerDate ?? new Date();
  return { raw: Buffer.concat(kept), flags, keywords, internalDate };
}

/** The messages of an mbox file, in file order. */
export async function* readMbox(path: string): AsyncGenerator<IncomingMessage> {
  let body: Buffer[] | null = null;
  let date: Date | undefined;
  let previousBlank = true;
  for await (const line of lines(path)) {
    const isFrom = line[0] === 0x46 && line.subarray(0, 5).toString('latin1') === 'From ';
    if (isFrom && previousBlank) {
      if (body) yield buildMboxMessage(body, date);
      body = [];
      date = parseFromLineDate(line.toString('latin1'));
      previousBlank = false;
      continue;
    }
    const text = line.length <= 2 ? line.toString('latin1') : '';
    previousBlank = text === '\n' || text === '\r\n';
    if (!body) {
      if (line.toString('latin1').trim())
        throw new Error(`${path} is not an mbox file (no "From " line first)`);
      continue;
    }
    // mboxrd: ">From ", ">>From "... lose one ">".
    body.push(
      line[0] === 0x3e && /^>+From /.test(line.subarray(0, 64).toString('latin1')) ? line.subarray(1) : line,
    );
  }
  if (body) yield buildMboxMessage(body, date);
}
