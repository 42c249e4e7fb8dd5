// The console's mailbox search: an address prefix, a domain prefix or part of the display name,
// with every character taken literally.
import { db } from '../core/db';

function searchConditions(search: string) {
  return search.includes('@')
    ? [
        {
          local: { startsWith: search.split('@')[0] },
          domain: { startsWith: search.split('@')[1] ?? '' },
        },
      ]
    : [
        { local: { startsWith: search } },
        { displayName: { contains: search } },
        { domain: { startsWith: search } },
      ];
}

// Prisma's contains/startsWith hand % and _ to LIKE unescaped (MariaDB and SQLite alike; SQLite's
// LIKE has no escape character without an ESCAPE clause), so a search for "%" matched everyone.
const LIKE_SPECIAL = /[%_\\]/;

function literalMatch(
  search: string,
  row: { local: string; domain: string; displayName: string | null },
): boolean {
  if (search.includes('@')) {
    const [localPart, domainPart] = search.split('@') as [string, string | undefined];
    return row.local.startsWith(localPart) && row.domain.startsWith(domainPart ?? '');
  }
  return (
    row.local.startsWith(search) ||
    row.domain.startsWith(search) ||
    (row.displayName ?? '').toLowerCase().includes(search)
  );
}

/**
 * The `where` for a lower-cased search. With a LIKE wildcard in it, the unescaped LIKE (a
 * backslash, MariaDB's escape character, turned into `_`) finds a superset of the literal
 * matches, which is narrowed here to the mailboxes that really contain the text.
 */
export async function mailboxSearchWhere(search: string, scope: object): Promise<object> {
  if (!LIKE_SPECIAL.test(search)) return { OR: searchConditions(search) };
  const candidates = await db().user.findMany({
    where: { ...scope, OR: searchConditions(search.replaceAll('\\', '_')) },
    select: { id: true, local: true, domain: true, displayName: true },
  });
  return { id: { in: candidates.filter((row) => literalMatch(search, row)).map((row) => row.id) } };
}
