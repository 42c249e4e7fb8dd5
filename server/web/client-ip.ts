// The client address for throttling, the event log and the session list. forwarded-headers.ts has
// already rewritten X-Forwarded-For in the `next start` process: with POSTROOM_TRUSTED_PROXIES=0
// it is the socket's address alone, with N trusted proxies the socket's address is its last hop.
// So the entry N from the end is the address the outermost trusted proxy saw (or the socket's),
// and whatever a client wrote further left is never believed.
import { plainAddress, trustedProxyCount } from './forwarded-headers';

export function clientIpFrom(header: (name: string) => string | null | undefined): string | undefined {
  const hops = (header('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (hops.length === 0) return undefined;
  // Fewer hops than proxies (a proxy that does not append): the leftmost is all there is.
  const chosen = hops[Math.max(0, hops.length - 1 - trustedProxyCount())];
  return chosen ? plainAddress(chosen) : undefined;
}
