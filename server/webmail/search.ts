// Search with IMAP SEARCH (RFC 3501 section 6.4.4): from, to, subject, body, date range. The
// server does the matching; we fetch only the page of results shown.
import type { SearchObject } from 'imapflow';
import { FieldError } from '../domain/errors';
import { withMailbox, type WebmailUser } from './connection';
import { fetchSummaries, MAX_PAGE_SIZE } from './list';
import type { MessagePage } from './types';

export interface SearchInput {
  /** Matches sender, recipients, subject or body (TEXT). */
  text?: string;
  from?: string;
  to?: string;
  subject?: string;
  body?: string;
  /** yyyy-mm-dd, inclusive. */
  since?: string;
  /** yyyy-mm-dd, inclusive. */
  until?: string;
}

function parseDay(value: string, field: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new FieldError(field, 'Use a date like 2026-11-23.');
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) throw new FieldError(field, 'Not a valid date.');
  return date;
}

/** The imapflow search object for the form; refuses an empty search. */
export function buildSearchQuery(input: SearchInput): SearchObject {
  const query: SearchObject = {};
  const clean = (value: string | undefined) =>
    (value ?? '')
      .replace(/[\r\n\0]/g, ' ')
      .trim()
      .slice(0, 200);
  if (clean(input.text)) query.text = clean(input.text);
  if (clean(input.from)) query.from = clean(input.from);
  if (clean(input.to)) query.to = clean(input.to);
  if (clean(input.subject)) query.subject = clean(input.subject);
  if (clean(input.body)) query.body = clean(input.body);
  if (clean(input.since)) query.since = parseDay(clean(input.since), 'since');
  if (clean(input.until)) {
    // SEARCH BEFORE is exclusive (RFC 3501): the day after makes "until" inclusive.
    const until = parseDay(clean(input.until), 'until');
    query.before = new Date(until.getTime() + 86_400_000);
  }
  if (query.since && query.before && query.since >= query.before)
    throw new FieldError('until', 'The end date is before the start date.');
  if (Object.keys(query).length === 0) throw new FieldError('text', 'Enter something to search for.');
  return query;
}

export async function searchMessages(
  user: WebmailUser,
  folder: string,
  input: SearchInput,
  options: { page?: number; pageSize?: number } = {},
): Promise<MessagePage> {
  const query = buildSearchQuery(input);
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? 50)));
  const page = Math.max(0, Math.floor(options.page ?? 0));
  return withMailbox(user, folder, async (client) => {
    const found = (await client.search(query, { uid: true })) || [];
    const newestFirst = [...found].sort((a, b) => b - a);
    const messages = await fetchSummaries(client, newestFirst.slice(page * pageSize, (page + 1) * pageSize));
    return { folder, total: newestFirst.length, page, pageSize, sort: 'date', reverse: true, messages };
  });
}
