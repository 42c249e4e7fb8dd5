// Search across every folder: the same IMAP SEARCH in each selectable folder, the hits merged
// newest first. Each result names its folder. Per folder only the newest hits are kept, so one
// huge folder cannot make the merge unbounded.
import { withMailbox, type WebmailUser } from './connection';
import { listFolders } from './folders';
import { fetchSummaries, MAX_PAGE_SIZE } from './list';
import { buildSearchQuery, type SearchInput } from './search';
import type { MessagePage, MessageSummary } from './types';

/** Hits kept per folder (the newest, by UID). */
export const MAX_HITS_PER_FOLDER = 200;

/** Merges per-folder results newest first (date, then folder and UID for a stable order). */
export function mergeNewestFirst(results: MessageSummary[][]): MessageSummary[] {
  const time = (summary: MessageSummary) => (summary.date ? Date.parse(summary.date) : 0) || 0;
  return results
    .flat()
    .sort((a, b) => time(b) - time(a) || (a.folder ?? '').localeCompare(b.folder ?? '') || b.uid - a.uid);
}

export async function searchAllFolders(
  user: WebmailUser,
  input: SearchInput,
  options: { page?: number; pageSize?: number } = {},
): Promise<MessagePage> {
  const query = buildSearchQuery(input);
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? 50)));
  const page = Math.max(0, Math.floor(options.page ?? 0));
  const folders = await listFolders(user);
  const perFolder: MessageSummary[][] = [];
  // One folder after the other: they share the user's one IMAP connection anyway.
  for (const folder of folders) {
    if (folder.total === 0) continue;
    perFolder.push(
      // Selected read-write like every other webmail request: imapflow keeps a selected folder
      // between requests, and a later STORE or MOVE must not meet an EXAMINEd one.
      await withMailbox(user, folder.path, async (client) => {
        const found = ((await client.search(query, { uid: true })) || []).sort((a, b) => a - b);
        const summaries = await fetchSummaries(client, found.slice(-MAX_HITS_PER_FOLDER));
        return summaries.map((summary) => ({ ...summary, folder: folder.path }));
      }),
    );
  }
  const merged = mergeNewestFirst(perFolder);
  return {
    folder: '',
    allFolders: true,
    total: merged.length,
    page,
    pageSize,
    sort: 'date',
    reverse: true,
    messages: merged.slice(page * pageSize, (page + 1) * pageSize),
  };
}
