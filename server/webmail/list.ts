// The message list. Only the requested page is fetched: in arrival order the page is a range of
// sequence numbers computed from EXISTS, so a 100,000-message folder costs the same as a small
// one. Sorting by sender or subject asks the server (SORT, RFC 5256) for the UID order when it
// can, then fetches just the page's UIDs.
import type { FetchMessageObject, ImapFlow, MessageAddressObject, MessageStructureObject } from 'imapflow';
import { withMailbox, type WebmailUser } from './connection';
import type { MailAddress, MessageFlags, MessagePage, MessageSummary, SortKey } from './types';

export const MAX_PAGE_SIZE = 200;

export function toAddresses(list: MessageAddressObject[] | undefined): MailAddress[] {
  return (list ?? []).map((entry) => ({ name: entry.name ?? '', address: entry.address ?? '' }));
}

export function toFlags(flags: Set<string> | undefined): MessageFlags {
  const has = (flag: string) => !!flags?.has(flag);
  return {
    seen: has('\\Seen'),
    flagged: has('\\Flagged'),
    answered: has('\\Answered'),
    draft: has('\\Draft'),
    deleted: has('\\Deleted'),
  };
}

export function hasAttachment(node: MessageStructureObject | undefined): boolean {
  if (!node) return false;
  if (node.childNodes?.length) return node.childNodes.some(hasAttachment);
  if (node.disposition?.toLowerCase() === 'attachment') return true;
  const named = !!(node.dispositionParameters?.filename ?? node.parameters?.name);
  return named && !node.type.startsWith('text/');
}

export function toSummary(message: FetchMessageObject): MessageSummary {
  const envelopeDate = message.envelope?.date ? new Date(message.envelope.date) : null;
  const date =
    envelopeDate && !Number.isNaN(envelopeDate.getTime())
      ? envelopeDate
      : message.internalDate
        ? new Date(message.internalDate)
        : null;
  return {
    uid: message.uid,
    from: toAddresses(message.envelope?.from),
    to: toAddresses(message.envelope?.to),
    subject: message.envelope?.subject ?? '',
    date: date ? date.toISOString() : null,
    size: message.size ?? 0,
    flags: toFlags(message.flags),
    hasAttachment: hasAttachment(message.bodyStructure),
  };
}

const SUMMARY_QUERY = {
  uid: true,
  envelope: true,
  flags: true,
  size: true,
  bodyStructure: true,
  internalDate: true,
} as const;

/** Fetches the summaries of these UIDs, in the order given. */
export async function fetchSummaries(client: ImapFlow, uids: number[]): Promise<MessageSummary[]> {
  if (uids.length === 0) return [];
  const byUid = new Map<number, MessageSummary>();
  for await (const message of client.fetch(uids.join(','), SUMMARY_QUERY, { uid: true }))
    byUid.set(message.uid, toSummary(message));
  return uids.map((uid) => byUid.get(uid)).filter((summary): summary is MessageSummary => !!summary);
}

/** The sequence range of page `page` (0 = newest) when `total` messages are in arrival order. */
export function pageRange(
  total: number,
  page: number,
  pageSize: number,
  newestFirst: boolean,
): { from: number; to: number } | null {
  const start = page * pageSize;
  if (start >= total) return null;
  if (newestFirst) return { from: Math.max(1, total - start - pageSize + 1), to: total - start };
  return { from: start + 1, to: Math.min(total, start + pageSize) };
}

// imapflow has no SORT helper; exec() is its (undocumented) raw command path, which its own
// commands use. The untagged handler receives the parsed "* SORT n n n" attributes.
interface RawExec {
  exec(
    command: string,
    attributes: unknown[],
    options: { untagged: Record<string, (untagged: { attributes?: { value?: string }[] }) => Promise<void>> },
  ): Promise<{ next(): void }>;
}

/** UIDs in the server's ascending SORT order (RFC 5256 section 3), or null without SORT. */
async function serverSort(client: ImapFlow, key: SortKey): Promise<number[] | null> {
  if (!client.capabilities.has('SORT')) return null;
  const criterion = key === 'from' ? 'FROM' : key === 'subject' ? 'SUBJECT' : 'DATE';
  const criteria = [{ type: 'ATOM', value: criterion }];
  const uids: number[] = [];
  try {
    const response = await (client as unknown as RawExec).exec(
      'UID SORT',
      [criteria, { type: 'ATOM', value: 'UTF-8' }, { type: 'ATOM', value: 'ALL' }],
      {
        untagged: {
          // biome-ignore lint/correctness/noComponentHookFactories: an IMAP response handler, not a component
          SORT: async (untagged) => {
            for (const attribute of untagged?.attributes ?? []) {
              const uid = Number(attribute.value);
              if (Number.isInteger(uid) && uid > 0) uids.push(uid);
            }
          },
        },
      },
    );
    response.next();
  } catch {
    return null;
  }
  return uids;
}

// A sort order costs the server (SORT) or us (an envelope FETCH of the whole folder) time in
// proportion to the folder, so it is kept while the folder's message set is unchanged (same
// UIDVALIDITY, UIDNEXT and EXISTS: no new mail, no expunge; a message's sender and subject never
// change). Paging through a sorted 100,000-message folder then costs one page each.
const sortCache = new Map<string, { at: number; uids: number[] }>();
const SORT_CACHE_MS = 60_000;
const SORT_CACHE_ENTRIES = 20;

function sortCacheKey(client: ImapFlow, owner: string, key: SortKey): string | null {
  const box = client.mailbox;
  return box ? `${owner}\0${box.path}\0${box.uidValidity}\0${box.uidNext}\0${box.exists}\0${key}` : null;
}

/** UIDs in sort order: from the cache, the server's SORT, or our own envelope sort. */
async function sortedUids(
  client: ImapFlow,
  key: SortKey,
  reverse: boolean,
  owner: string,
): Promise<number[]> {
  const cacheKey = sortCacheKey(client, owner, key);
  const cached = cacheKey ? sortCache.get(cacheKey) : undefined;
  let ascending = cached && Date.now() - cached.at < SORT_CACHE_MS ? cached.uids : null;
  if (!ascending) {
    ascending = (await serverSort(client, key)) ?? (await fetchSortOrder(client, key));
    if (cacheKey) {
      if (sortCache.size >= SORT_CACHE_ENTRIES) sortCache.delete(sortCache.keys().next().value!);
      sortCache.set(cacheKey, { at: Date.now(), uids: ascending });
    }
  }
  return reverse ? [...ascending].reverse() : ascending;
}

/** Without SORT: the sort key of every message, fetched once (envelopes only). */
async function fetchSortOrder(client: ImapFlow, key: SortKey): Promise<number[]> {
  const rows: { uid: number; key: string; date: number }[] = [];
  for await (const message of client.fetch('1:*', { uid: true, envelope: true, internalDate: true })) {
    const summary = toSummary(message);
    const sortText =
      key === 'from'
        ? summary.from[0]?.name || summary.from[0]?.address || ''
        : summary.subject.replace(/^((re|fwd?|aw|sv)\s*:\s*)+/i, '');
    rows.push({
      uid: message.uid,
      key: sortText.toLowerCase(),
      date: summary.date ? Date.parse(summary.date) : 0,
    });
  }
  rows.sort((a, b) => a.key.localeCompare(b.key) || a.date - b.date || a.uid - b.uid);
  return rows.map((row) => row.uid);
}

export interface ListOptions {
  page?: number;
  pageSize?: number;
  sort?: SortKey;
  /** Newest (date) or Z-A (from, subject) first. */
  reverse?: boolean;
}

export async function listMessages(
  user: WebmailUser,
  folder: string,
  options: ListOptions = {},
): Promise<MessagePage> {
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? 50)));
  const page = Math.max(0, Math.floor(options.page ?? 0));
  const sort: SortKey = options.sort ?? 'date';
  const reverse = options.reverse ?? sort === 'date';
  return withMailbox(user, folder, async (client) => {
    const total = client.mailbox ? client.mailbox.exists : 0;
    const result: MessagePage = { folder, total, page, pageSize, sort, reverse, messages: [] };
    if (total === 0) return result;
    if (sort === 'date') {
      const range = pageRange(total, page, pageSize, reverse);
      if (!range) return result;
      const fetched: MessageSummary[] = [];
      for await (const message of client.fetch(`${range.from}:${range.to}`, SUMMARY_QUERY))
        fetched.push(toSummary(message));
      // Arrival order is sequence order (RFC 3501 section 2.3.1.2).
      fetched.sort((a, b) => (reverse ? b.uid - a.uid : a.uid - b.uid));
      result.messages = fetched;
      return result;
    }
    const ordered = await sortedUids(client, sort, reverse, `${user.id}`);
    result.messages = await fetchSummaries(client, ordered.slice(page * pageSize, (page + 1) * pageSize));
    return result;
  });
}
