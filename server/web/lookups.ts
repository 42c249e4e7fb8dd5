// Small reads for form choices, cheaper than the domain layer's full listings (which count
// mailboxes per domain) when only the names are needed.
import { db } from '../core/db';
import { isSuper } from '../domain/rights';
import type { Actor } from '../domain/audit';

/** Names of the domains the actor may manage; `mailboxDomains` leaves out alias domains. */
export async function domainNames(
  actor: Actor,
  options: { mailboxDomains?: boolean } = {},
): Promise<string[]> {
  const rows = await db().domain.findMany({
    where: {
      ...(isSuper(actor) ? {} : { domain: { in: actor.domains ?? [] } }),
      ...(options.mailboxDomains ? { aliasOfId: null } : {}),
    },
    select: { domain: true },
    orderBy: { domain: 'asc' },
  });
  return rows.map((row) => row.domain);
}
