// The DNS records a domain needs, and a live check of each against DNS: ok, missing or wrong.
// Lookups have a short timeout; a resolver failure is "unknown", never a false "missing".
import { Resolver } from 'node:dns/promises';

export type RecordStatus = 'ok' | 'missing' | 'wrong' | 'unknown';

export interface RecordCheck {
  purpose: string;
  name: string;
  type: 'MX' | 'A/AAAA' | 'TXT' | 'CNAME' | 'SRV';
  value: string;
  status: RecordStatus;
  found: string[];
  note?: string;
}

export interface DomainDnsInput {
  domain: string;
  hostname: string;
  /** The domain's DKIM record (queue/dkim.ts dkimRecord), or null before a key is made. */
  dkim: { name: string; value: string } | null;
}

const MISSING_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ESERVFAIL_NO']);

type Lookup<T> = { ok: true; value: T } | { ok: false; missing: boolean; error: string };

async function lookup<T>(work: () => Promise<T>): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERROR';
    return { ok: false, missing: MISSING_CODES.has(code), error: code };
  }
}

/** The lookups the checks need; node's dns Resolver has them all (tests pass a fixed zone). */
export type DnsLookup = Pick<
  Resolver,
  'resolveMx' | 'resolve4' | 'resolve6' | 'resolveTxt' | 'resolveSrv' | 'reverse'
>;

function resolver(): DnsLookup {
  const instance = new Resolver({ timeout: 2500, tries: 1 });
  if (process.env.POSTROOM_DNS_SERVERS)
    instance.setServers(process.env.POSTROOM_DNS_SERVERS.split(',').map((s) => s.trim()));
  return instance;
}

const sameName = (a: string, b: string) =>
  a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

function verdict<T>(
  result: Lookup<T[]>,
  render: (item: T) => string,
  isRight: (items: T[]) => boolean | null,
): { status: RecordStatus; found: string[] } {
  if (!result.ok)
    return {
      status: result.missing ? 'missing' : 'unknown',
      found: result.missing ? [] : [`lookup failed: ${result.error}`],
    };
  const found = result.value.map(render);
  if (result.value.length === 0) return { status: 'missing', found };
  const right = isRight(result.value);
  return { status: right === null ? 'missing' : right ? 'ok' : 'wrong', found };
}

const txt = (chunks: string[][]) => chunks.map((parts) => parts.join(''));

export async function checkDomainDns(
  input: DomainDnsInput,
  dns: DnsLookup = resolver(),
): Promise<RecordCheck[]> {
  const { domain, hostname } = input;
  const dkimValue = input.dkim?.value ?? null;
  const dkimName = input.dkim?.name ?? `SELECTOR._domainkey.${domain}`;
  const [
    mx,
    address,
    rootTxt,
    dkim,
    dmarc,
    stsTxt,
    stsHost,
    tlsRpt,
    autoconfig,
    autodiscover,
    srvSubmission,
    srvImaps,
  ] = await Promise.all([
    lookup(() => dns.resolveMx(domain)),
    lookup(async () => [
      ...(await dns.resolve4(hostname).catch(() => [] as string[])),
      ...(await dns.resolve6(hostname).catch(() => [] as string[])),
    ]),
    lookup(async () => txt(await dns.resolveTxt(domain))),
    input.dkim
      ? lookup(async () => txt(await dns.resolveTxt(dkimName)))
      : Promise.resolve<Lookup<string[]>>({ ok: false, missing: true, error: 'no key' }),
    lookup(async () => txt(await dns.resolveTxt(`_dmarc.${domain}`))),
    lookup(async () => txt(await dns.resolveTxt(`_mta-sts.${domain}`))),
    lookup(async () => await dns.resolve4(`mta-sts.${domain}`)),
    lookup(async () => txt(await dns.resolveTxt(`_smtp._tls.${domain}`))),
    lookup(async () => await dns.resolve4(`autoconfig.${domain}`)),
    lookup(async () => await dns.resolve4(`autodiscover.${domain}`)),
    lookup(() => dns.resolveSrv(`_submissions._tcp.${domain}`)),
    lookup(() => dns.resolveSrv(`_imaps._tcp.${domain}`)),
  ]);
  const spfRecords = (items: string[]) => items.filter((item) => /^v=spf1(\s|$)/i.test(item));
  const dkimKey = (value: string) => /p=([^;\s]*)/.exec(value.replace(/\s+/g, ''))?.[1] ?? '';
  const srvRight = (items: { name: string }[]) => items.some((item) => sameName(item.name, hostname));

  return [
    {
      purpose: 'Mail for the domain goes to this server',
      name: domain,
      type: 'MX',
      value: `10 ${hostname}.`,
      ...verdict(
        mx,
        (item) => `${item.priority} ${item.exchange}`,
        (items) => items.some((item) => sameName(item.exchange, hostname)),
      ),
    },
    {
      purpose: 'The mail host has an address',
      name: hostname,
      type: 'A/AAAA',
      value: "this server's public IPv4 (and IPv6) address",
      ...verdict(
        address,
        (item) => item,
        () => true,
      ),
    },
    {
      purpose: 'SPF: who may send for the domain',
      name: domain,
      type: 'TXT',
      value: 'v=spf1 mx -all',
      ...verdict(
        rootTxt,
        (item) => item,
        (items) => {
          const spf = spfRecords(items);
          if (spf.length === 0) return null;
          // RFC 7208 4.5: more than one SPF record is a permanent error.
          return (
            spf.length === 1 &&
            !/\+all\b/.test(spf[0]!) &&
            /(\smx\b|\sa:|\sip[46]:|\sinclude:|\sa\b)/i.test(spf[0]!)
          );
        },
      ),
      note: 'Exactly one SPF record; "+all" would let anyone send as you.',
    },
    {
      purpose: 'DKIM: the public key receivers check signatures with',
      name: dkimName,
      type: 'TXT',
      value: dkimValue ?? 'make a key first (below)',
      ...(dkimValue
        ? verdict(
            dkim,
            (item) => item,
            (items) => items.some((item) => dkimKey(item) === dkimKey(dkimValue)),
          )
        : { status: 'missing' as const, found: [] }),
    },
    {
      purpose: 'DMARC: what receivers do with mail that fails SPF and DKIM',
      name: `_dmarc.${domain}`,
      type: 'TXT',
      value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`,
      ...verdict(
        dmarc,
        (item) => item,
        (items) =>
          items.some((item) => /^v=DMARC1/i.test(item))
            ? items.filter((item) => /^v=DMARC1/i.test(item)).length === 1
            : null,
      ),
    },
    {
      purpose: 'MTA-STS: senders must use TLS to reach you (RFC 8461)',
      name: `_mta-sts.${domain}`,
      type: 'TXT',
      value: `v=STSv1; id=${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`,
      ...verdict(
        stsTxt,
        (item) => item,
        (items) => (items.some((item) => /^v=STSv1/i.test(item)) ? true : null),
      ),
    },
    {
      purpose: 'MTA-STS policy host (served by this console over HTTPS)',
      name: `mta-sts.${domain}`,
      type: 'CNAME',
      value: `${hostname}.`,
      ...verdict(
        stsHost,
        (item) => item,
        () => true,
      ),
      note: `The policy is at https://mta-sts.${domain}/.well-known/mta-sts.txt`,
    },
    {
      purpose: 'TLS reports (RFC 8460)',
      name: `_smtp._tls.${domain}`,
      type: 'TXT',
      value: `v=TLSRPTv1; rua=mailto:postmaster@${domain}`,
      ...verdict(
        tlsRpt,
        (item) => item,
        (items) => (items.some((item) => /^v=TLSRPTv1/i.test(item)) ? true : null),
      ),
    },
    {
      purpose: 'Thunderbird autoconfig',
      name: `autoconfig.${domain}`,
      type: 'CNAME',
      value: `${hostname}.`,
      ...verdict(
        autoconfig,
        (item) => item,
        () => true,
      ),
    },
    {
      purpose: 'Outlook autodiscover',
      name: `autodiscover.${domain}`,
      type: 'CNAME',
      value: `${hostname}.`,
      ...verdict(
        autodiscover,
        (item) => item,
        () => true,
      ),
    },
    {
      purpose: 'Mail clients find submission (RFC 6186, RFC 8314)',
      name: `_submissions._tcp.${domain}`,
      type: 'SRV',
      value: `0 1 465 ${hostname}.`,
      ...verdict(
        srvSubmission,
        (item) => `${item.priority} ${item.weight} ${item.port} ${item.name}`,
        srvRight,
      ),
    },
    {
      purpose: 'Mail clients find IMAP',
      name: `_imaps._tcp.${domain}`,
      type: 'SRV',
      value: `0 1 993 ${hostname}.`,
      ...verdict(srvImaps, (item) => `${item.priority} ${item.weight} ${item.port} ${item.name}`, srvRight),
    },
  ];
}

export interface PtrCheck {
  address: string;
  names: string[];
  status: RecordStatus;
}

/** Forward-confirmed reverse DNS: each address of the mail host should point back to it. */
export async function checkPtr(hostname: string, dns: DnsLookup = resolver()): Promise<PtrCheck[]> {
  const addresses = [
    ...(await dns.resolve4(hostname).catch(() => [] as string[])),
    ...(await dns.resolve6(hostname).catch(() => [] as string[])),
  ];
  return Promise.all(
    addresses.map(async (address) => {
      const names = await lookup(() => dns.reverse(address));
      if (!names.ok)
        return { address, names: [], status: names.missing ? ('missing' as const) : ('unknown' as const) };
      return {
        address,
        names: names.value,
        status: names.value.some((name) => sameName(name, hostname)) ? ('ok' as const) : ('wrong' as const),
      };
    }),
  );
}
