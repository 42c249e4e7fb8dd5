// One DNS resolver for the mail worker (FCrDNS of clients, SPF/DKIM/DMARC lookups, MX lookups,
// DNSBL). Tests and unusual set-ups replace it with setDnsResolver; mailauth takes `resolve` as is.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

export type DnsResolve = (name: string, rrtype: string) => Promise<unknown[]>;

export interface DnsResolver {
  /** dns.promises.resolve-compatible: records of one type; rejects with code ENOTFOUND/ENODATA. */
  resolve: DnsResolve;
  reverse(ip: string): Promise<string[]>;
}

function systemResolver(): DnsResolver {
  const resolver = new dns.Resolver({ timeout: 3000, tries: 2 });
  return {
    resolve: (name, rrtype) => resolver.resolve(name, rrtype) as Promise<unknown[]>,
    reverse: (ip) => resolver.reverse(ip),
  };
}

let current: DnsResolver | undefined;

export function dnsResolver(): DnsResolver {
  current ??= systemResolver();
  return current;
}

/** Replaces the resolver (tests: a fixed zone; null restores the system one). */
export function setDnsResolver(resolver: DnsResolver | null): void {
  current = resolver ?? undefined;
}

export function dnsError(code: 'ENOTFOUND' | 'ENODATA' | 'ETIMEOUT', name: string): Error {
  return Object.assign(new Error(`${code} ${name}`), { code, hostname: name });
}

/** A resolver answering from a fixed table, `{ 'example.org': { MX: [...], A: [...] } }`. */
export function staticResolver(
  zone: Record<string, Record<string, unknown[]>>,
  ptr: Record<string, string[]> = {},
): DnsResolver {
  return {
    async resolve(name, rrtype) {
      const records = zone[name.toLowerCase().replace(/\.$/, '')];
      if (!records) throw dnsError('ENOTFOUND', name);
      const answer = records[rrtype.toUpperCase()];
      if (!answer || answer.length === 0) throw dnsError('ENODATA', name);
      return answer;
    },
    async reverse(ip) {
      const names = ptr[ip];
      if (!names) throw dnsError('ENOTFOUND', ip);
      return names;
    },
  };
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Forward-confirmed reverse DNS (RFC 8601 2.7.3 "iprev"): the PTR name counts only if it resolves
 * back to the client address, so a PTR record alone cannot claim a RELAY host name.
 */
export async function confirmedHostname(ip: string, timeoutMs = 3000): Promise<string | null> {
  if (LOOPBACK.test(ip)) return 'localhost';
  const family = isIP(ip.replace(/^::ffff:/, ''));
  if (!family) return null;
  const plain = ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  const lookup = async (): Promise<string | null> => {
    const names = await dnsResolver().reverse(plain);
    for (const name of names.slice(0, 5)) {
      const addresses = (await dnsResolver()
        .resolve(name, family === 4 ? 'A' : 'AAAA')
        .catch(() => [])) as string[];
      if (addresses.includes(plain)) return name.toLowerCase().replace(/\.$/, '');
    }
    return null;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  try {
    return await Promise.race([lookup().catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
