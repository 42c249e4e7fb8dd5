// The "trusted / not verified" badge from Authentication-Results (RFC 8601). Only the topmost
// header counts, and only when our own MTA wrote it (its authserv-id is our hostname): headers
// further down were written by others and could say anything (RFC 8601 section 5).
import type { AuthBadge } from './types';

export interface AuthVerdict {
  badge: AuthBadge;
  detail: string;
}

/** Method results of one Authentication-Results value, e.g. { dkim: 'pass', spf: 'fail' }. */
export function parseAuthResults(value: string): { authservId: string; results: Record<string, string> } {
  const withoutComments = value.replace(/\([^()]*\)/g, ' ');
  const [head, ...rest] = withoutComments.split(';');
  const authservId = (head ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results: Record<string, string> = {};
  for (const clause of rest) {
    const match = /^\s*([a-z0-9-]+)\s*=\s*([a-z]+)/i.exec(clause);
    if (match && !(match[1].toLowerCase() in results))
      results[match[1].toLowerCase()] = match[2].toLowerCase();
  }
  return { authservId, results };
}

/**
 * Mail a user of this server sent after signing in carries no Authentication-Results, but our
 * own topmost Received header says so (RFC 3848 "ESMTPSA"/"ESMTPA" and the authenticated
 * sender). Trusted only when that sender is the From address.
 */
export function locallyAuthenticated(
  topReceived: string | undefined,
  ourHostname: string,
  fromAddress: string | undefined,
): string | null {
  if (!topReceived || !fromAddress) return null;
  const flat = topReceived.replace(/\s+/g, ' ');
  const by = new RegExp(`\\bby ${ourHostname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} with ESMTPS?A\\b`, 'i');
  const sender = /\(Authenticated sender: ([^)\s]+)\)/i.exec(flat)?.[1];
  return by.test(flat) && sender && sender.toLowerCase() === fromAddress.toLowerCase() ? sender : null;
}

export function authVerdict(
  headerValues: string[],
  ourHostname: string,
  local: { topReceived?: string; fromAddress?: string } = {},
): AuthVerdict {
  const signedIn = locallyAuthenticated(local.topReceived, ourHostname, local.fromAddress);
  if (signedIn) return { badge: 'trusted', detail: `Sent by ${signedIn}, signed in to this server.` };
  const top = headerValues[0];
  if (!top)
    return { badge: 'not-verified', detail: 'No authentication results were recorded for this message.' };
  const { authservId, results } = parseAuthResults(top);
  if (authservId !== ourHostname.toLowerCase())
    return {
      badge: 'not-verified',
      detail: `Authentication results come from ${authservId || 'an unknown server'}, not this server.`,
    };
  const summary =
    Object.entries(results)
      .map(([method, result]) => `${method}=${result}`)
      .join(', ') || 'none';
  // DMARC pass means the From domain was authenticated and aligned; "auth" is a local sender
  // who signed in (RFC 8601 section 2.7.4).
  const trusted = results.dmarc === 'pass' || results.auth === 'pass';
  return { badge: trusted ? 'trusted' : 'not-verified', detail: `Checked by this server: ${summary}` };
}
