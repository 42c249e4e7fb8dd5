// The signed-in person as the domain layer's Actor. Shared by the admin console and the webmail:
// every page, server action and route handler asks here, and passes the Actor to server/domain,
// which checks the rights and writes the audit log.
import { getServerSession } from 'next-auth/next';
import { cookies, headers } from 'next/headers';
import { cache } from 'react';
import { redirect, forbidden } from 'next/navigation';
import type { Actor } from '../domain/audit';
import { touchWebSession } from '../auth/web-sessions';
import { db } from '../core/db';
import { authOptions } from './auth-options';
import { clientIpFrom } from './client-ip';

interface SessionClaims {
  uid?: number;
  pwc?: number;
  /** The server-side session record (server/auth/web-sessions.ts). */
  sid?: string;
}

/**
 * The Actor for the current request, or null when nobody is signed in. The session record and the
 * user row are read on every request, so signing out, a disabled mailbox, a new password or a
 * changed role takes effect at once, on every page, route handler and server action.
 * Memoised per request (React cache): the layout and the page share one lookup.
 */
export const getActor = cache(async (): Promise<Actor | null> => (await readSession())?.actor ?? null);

/** The id of the current request's session record (for "My account"), or null when signed out. */
export const currentWebSessionId = cache(
  async (): Promise<string | null> => (await readSession())?.sessionId ?? null,
);

const readSession = cache(async (): Promise<{ actor: Actor; sessionId: string } | null> => {
  const session = (await getServerSession(await authOptions())) as SessionClaims | null;
  if (!session?.uid) return null;
  // Cookies from before server-side sessions carry no record: they sign in again.
  if (!session.sid || !(await touchWebSession(session.sid, session.uid, await requestClientIp())))
    return null;
  const user = await db().user.findUnique({
    where: { id: session.uid },
    include: { domainRef: true, managedDomains: { include: { domainR: true } } },
  });
  if (!user || !user.enabled || !user.domainRef.enabled) return null;
  // A password change ends every session opened with the old password.
  if (session.pwc !== undefined && user.passwordChangedAt.getTime() !== session.pwc) return null;
  const role = user.role === 'super' || user.role === 'domain_admin' ? user.role : 'user';
  const actor: Actor = {
    name: `${user.local}@${user.domain}`,
    userId: user.id,
    role,
    domains: role === 'domain_admin' ? user.managedDomains.map((managed) => managed.domainR.domain) : [],
  };
  return { actor, sessionId: session.sid };
});

/** The Actor, or a redirect to the sign-in page (which comes back to `returnTo`). */
export async function requireActor(returnTo?: string): Promise<Actor> {
  const actor = await getActor();
  if (!actor) redirect(returnTo ? `/signin?callbackUrl=${encodeURIComponent(returnTo)}` : '/signin');
  return actor;
}

export function isAdmin(actor: Actor): boolean {
  return actor.role === 'super' || actor.role === 'domain_admin' || actor.role === 'system';
}

/** For admin pages: a plain user gets 403. */
export async function requireAdmin(returnTo?: string): Promise<Actor> {
  const actor = await requireActor(returnTo);
  if (!isAdmin(actor)) forbidden();
  return actor;
}

/** The client address of the current request, for the event log. */
export async function requestClientIp(): Promise<string | undefined> {
  const bag = await headers();
  return clientIpFrom((name) => bag.get(name));
}

/**
 * Drops this browser's session cookie (after its record was revoked), whatever its name: the
 * `__Secure-` prefix over https, and next-auth's `.0`, `.1` chunks for a large token.
 */
export async function clearSessionCookie(): Promise<void> {
  const jar = await cookies();
  for (const cookie of jar.getAll())
    if (/(^|\.|-)next-auth\.session-token(\.\d+)?$/.test(cookie.name)) jar.delete(cookie.name);
}
