// Client set-up is answered only for domains this server hosts (enabled, alias domains included):
// anything else is a 404, so the server does not describe itself for every name pointed at it.
import { normalizeDomain, resolveLocalDomain } from '../domain';

/** The domain of an address or a bare domain, normalised (IDN to punycode); null if malformed. */
export function domainOf(addressOrDomain: string): string | null {
  const domain = addressOrDomain.includes('@')
    ? addressOrDomain.slice(addressOrDomain.lastIndexOf('@') + 1)
    : addressOrDomain;
  try {
    return normalizeDomain(domain);
  } catch {
    return null;
  }
}

/** `host` as sent in the Host header: autoconfig.example.org:443 → example.org. */
export function domainFromHost(host: string | null): string | null {
  if (!host) return null;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return domainOf(name.replace(/^(autoconfig|autodiscover)\./, ''));
}

export async function isHostedDomain(domain: string | null): Promise<boolean> {
  if (!domain) return false;
  const resolved = await resolveLocalDomain(domain);
  return resolved?.enabled === true;
}
