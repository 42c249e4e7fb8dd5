// Who may touch what. Every console action and route asks here before it changes anything.
import { ForbiddenError } from './errors';
import type { Actor } from './audit';

export function isSuper(actor: Actor): boolean {
  return actor.role === 'super' || actor.role === 'system';
}

export function canManageDomain(actor: Actor, domain: string): boolean {
  return (
    isSuper(actor) || (actor.role === 'domain_admin' && (actor.domains ?? []).includes(domain.toLowerCase()))
  );
}

function refusal(actor: Actor) {
  return { actor: actor.name, role: actor.role };
}

export function requireSuper(actor: Actor): void {
  if (!isSuper(actor)) throw new ForbiddenError('only a super admin may do this', refusal(actor));
}

export function requireDomain(actor: Actor, domain: string): void {
  if (!canManageDomain(actor, domain))
    throw new ForbiddenError(`not allowed to manage ${domain}`, refusal(actor));
}

/** The domains whose mail, queue and logs the actor may see; undefined means all of them. */
export function visibleDomains(actor: Actor): string[] | undefined {
  return isSuper(actor) ? undefined : (actor.domains ?? []);
}

/** An address belongs to one of the domains (compared on the ACE form, as stored). */
export function addressInDomains(address: string | null | undefined, domains: string[] | undefined): boolean {
  if (domains === undefined) return true;
  const domain = address?.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return !!address?.includes('@') && domains.includes(domain ?? '');
}
