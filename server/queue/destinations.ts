// Where mail for a domain goes (RFC 5321 5.1): its MX hosts by preference, else the domain itself
// (implicit MX, its A/AAAA); a "null MX" (RFC 7505) means the domain takes no mail at all.
import { dnsResolver } from '../policy/dns';

export type Destination =
  | { ok: true; hosts: string[] }
  | { ok: false; permanent: boolean; status: string; text: string };

interface MxRecord {
  exchange: string;
  priority: number;
}

function code(error: unknown): string {
  return (error as { code?: string }).code ?? '';
}

export async function resolveDestination(domain: string): Promise<Destination> {
  const resolver = dnsResolver();
  let records: MxRecord[] = [];
  try {
    records = (await resolver.resolve(domain, 'MX')) as MxRecord[];
  } catch (error) {
    if (code(error) !== 'ENODATA' && code(error) !== 'ENOTFOUND')
      return {
        ok: false,
        permanent: false,
        status: '4.4.3',
        text: `MX lookup for ${domain} failed (${code(error) || 'error'})`,
      };
    if (code(error) === 'ENOTFOUND')
      return { ok: false, permanent: true, status: '5.1.2', text: `Domain ${domain} does not exist` };
  }
  if (records.length === 1 && (records[0]!.exchange === '' || records[0]!.exchange === '.')) {
    return {
      ok: false,
      permanent: true,
      status: '5.1.10',
      text: `Domain ${domain} does not accept mail (null MX, RFC 7505)`,
    };
  }
  if (records.length > 0) {
    const sorted = [...records]
      .sort((a, b) => a.priority - b.priority)
      .map((record) => record.exchange.replace(/\.$/, ''));
    return { ok: true, hosts: [...new Set(sorted)] };
  }
  // Implicit MX: the domain's own address records.
  for (const type of ['A', 'AAAA']) {
    const addresses = await resolver.resolve(domain, type).catch(() => []);
    if (addresses.length > 0) return { ok: true, hosts: [domain] };
  }
  return { ok: false, permanent: true, status: '5.1.2', text: `No MX or address records for ${domain}` };
}

/** The addresses to connect to for one host name (IPv4 first). */
export async function hostAddresses(host: string): Promise<string[]> {
  const resolver = dnsResolver();
  const [v4, v6] = await Promise.all([
    resolver.resolve(host, 'A').catch(() => []),
    resolver.resolve(host, 'AAAA').catch(() => []),
  ]);
  return [...(v4 as string[]), ...(v6 as string[])];
}
