// GET ?folder=&page=&size=&sort=date|from|subject&reverse=0|1 — one page of the message list.
// With any of text, from, to, subject, body, since, until it is an IMAP SEARCH instead; with
// all=1 too, a SEARCH of every folder (no folder needed).
import { handleMail, json, folderParam, intParam } from '@/server/webmail/http';
import {
  listMessages,
  searchMessages,
  searchAllFolders,
  type SortKey,
  type SearchInput,
} from '@/server/webmail';

export const dynamic = 'force-dynamic';

const SEARCH_KEYS = ['text', 'from', 'to', 'subject', 'body', 'since', 'until'] as const;

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const params = new URL(request.url).searchParams;
    const page = Math.max(0, intParam(params.get('page'), 0));
    const pageSize = intParam(params.get('size'), 50);
    const search: SearchInput = {};
    for (const key of SEARCH_KEYS) if (params.get(key)) search[key] = params.get(key)!;
    if (params.get('all') === '1') return json(await searchAllFolders(user, search, { page, pageSize }));
    const folder = folderParam(params.get('folder'));
    if (Object.keys(search).length)
      return json(await searchMessages(user, folder, search, { page, pageSize }));
    const sortParam = params.get('sort');
    const sort: SortKey = sortParam === 'from' || sortParam === 'subject' ? sortParam : 'date';
    const reverse = params.get('reverse') === null ? undefined : params.get('reverse') === '1';
    return json(await listMessages(user, folder, { page, pageSize, sort, reverse }));
  });
}
