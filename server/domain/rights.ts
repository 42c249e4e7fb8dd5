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

export function requireSuper(actor: Actor): void {
  if (!isSuper(actor)) throw new ForbiddenError('only a super admin may do this');
}

export function requireDomain(actor: Actor, domain: string): void {
  if (!canManageDomain(actor, domain)) throw new ForbiddenError(`not allowed to manage ${domain}`);
}
