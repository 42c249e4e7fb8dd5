// The WebAuthn relying party for a request: the console's public address (NEXTAUTH_URL) when set,
// otherwise the host and scheme the request came in on (forwarded-headers.ts makes those
// trustworthy). The browser checks the same origin, so a mismatch fails closed.
import type { RelyingParty } from '../auth/two-factor/passkeys';

export function relyingPartyFrom(header: (name: string) => string | null | undefined): RelyingParty | null {
  const configured = process.env.NEXTAUTH_URL;
  if (configured) {
    const url = new URL(configured);
    return { rpId: url.hostname, origin: url.origin };
  }
  const host = header('x-forwarded-host') ?? header('host');
  if (!host) return null;
  const scheme = (header('x-forwarded-proto') ?? 'http').split(',')[0]!.trim();
  try {
    const url = new URL(`${scheme}://${host}`);
    return { rpId: url.hostname, origin: url.origin };
  } catch {
    return null;
  }
}
