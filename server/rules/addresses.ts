// Every address that reaches a mailbox directly, for vacation's "is this mail to me" (RFC 5230
// section 4.5): the mailbox, the aliases naming it (one level, as users think of them) and the
// same local parts at the domain's alias domains.
import { db } from '../core/db';

export async function mailboxAddresses(userId: number): Promise<string[]> {
  const user = await db().user.findUnique({ where: { id: userId }, select: { local: true, domain: true } });
  if (!user) return [];
  const [aliases, aliasDomains] = await Promise.all([
    db().alias.findMany({
      where: {
        destinationLocal: user.local,
        destinationDomain: user.domain,
        enabled: true,
        NOT: { sourceLocal: '' },
      },
      select: { sourceLocal: true, sourceDomain: true },
      take: 200,
    }),
    db().domain.findMany({ where: { aliasOf: { domain: user.domain } }, select: { domain: true }, take: 50 }),
  ]);
  const locals = [
    user.local,
    ...aliases.filter((a) => a.sourceDomain === user.domain).map((a) => a.sourceLocal),
  ];
  const addresses = [
    `${user.local}@${user.domain}`,
    ...aliases.map((alias) => `${alias.sourceLocal}@${alias.sourceDomain}`),
    ...aliasDomains.flatMap((alias) => locals.map((local) => `${local}@${alias.domain}`)),
  ];
  return [...new Set(addresses.map((address) => address.toLowerCase()))];
}
