// The access-rule grammar: sendmail's `access` map and qmail's `tcp.smtp`, merged.
//   192.168.0.1, 2001:db8::1       one client address
//   192.168.0.0/24, 2001:db8::/32  a CIDR block
//   192.168.2.  (or 192.168.2)     qmail/sendmail octet prefix
//   co.ki                          that domain and its subdomains
//   @naver.com                     exactly that domain
//   user@                          that local part at any domain
//   user@example.org               one address
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

export type PatternKind =
  | 'ip'
  | 'cidr'
  | 'ip-prefix'
  | 'domain-tree'
  | 'domain-exact'
  | 'local-part'
  | 'address';

export interface ParsedPattern {
  kind: PatternKind;
  /** Normalised text for ip, domains and addresses; the network for cidr and prefixes. */
  value: string;
  prefixBits?: number;
  family?: 4 | 6;
}

export type PatternResult = { ok: true; pattern: ParsedPattern } | { ok: false; error: string };

function asciiDomain(input: string): string | null {
  const ascii = domainToASCII(input.toLowerCase().replace(/\.$/, ''));
  if (!ascii || ascii.length > 253) return null;
  return ascii.split('.').every((label) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(label)) ? ascii : null;
}

export function parsePattern(input: string): PatternResult {
  const text = input.trim();
  if (!text) return { ok: false, error: 'the pattern is empty' };
  if (/\s/.test(text)) return { ok: false, error: 'the pattern must not contain spaces' };
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const network = text.slice(0, slash);
    const bits = Number(text.slice(slash + 1));
    const family = isIP(network);
    if (!family) return { ok: false, error: `"${network}" is not an IP address` };
    const max = family === 4 ? 32 : 128;
    if (!/^\d+$/.test(text.slice(slash + 1)) || bits > max)
      return { ok: false, error: `the prefix length must be 0-${max}` };
    return {
      ok: true,
      pattern: { kind: 'cidr', value: network.toLowerCase(), prefixBits: bits, family: family as 4 | 6 },
    };
  }
  const family = isIP(text);
  if (family) return { ok: true, pattern: { kind: 'ip', value: normaliseIp(text), family: family as 4 | 6 } };
  if (/^\d{1,3}(\.\d{1,3}){0,3}\.?$/.test(text)) {
    const octets = text.replace(/\.$/, '').split('.');
    if (octets.some((octet) => Number(octet) > 255))
      return { ok: false, error: `"${text}" has an octet over 255` };
    const padded = [...octets, '0', '0', '0', '0'].slice(0, 4).join('.');
    return {
      ok: true,
      pattern: { kind: 'ip-prefix', value: padded, prefixBits: octets.length * 8, family: 4 },
    };
  }
  const at = text.indexOf('@');
  if (at >= 0) {
    if (text.indexOf('@', at + 1) >= 0) return { ok: false, error: 'the pattern has more than one @' };
    const local = text.slice(0, at).toLowerCase();
    const domainPart = text.slice(at + 1);
    if (local && !/^[a-z0-9!#$&'*+=?^_`{|}~.-]{1,64}$/.test(local))
      return { ok: false, error: `"${local}" is not a valid local part` };
    if (!domainPart) {
      if (!local) return { ok: false, error: 'the pattern "@" matches nothing' };
      return { ok: true, pattern: { kind: 'local-part', value: local } };
    }
    const domain = asciiDomain(domainPart);
    if (!domain) return { ok: false, error: `"${domainPart}" is not a valid domain` };
    return {
      ok: true,
      pattern: local
        ? { kind: 'address', value: `${local}@${domain}` }
        : { kind: 'domain-exact', value: domain },
    };
  }
  const domain = asciiDomain(text);
  if (!domain) return { ok: false, error: `"${text}" is not an IP address, network, domain or address` };
  return { ok: true, pattern: { kind: 'domain-tree', value: domain } };
}

export function isNetworkPattern(pattern: ParsedPattern): boolean {
  return pattern.kind === 'ip' || pattern.kind === 'cidr' || pattern.kind === 'ip-prefix';
}

function normaliseIp(ip: string): string {
  return ip.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

function ipToBigInt(ip: string): { value: bigint; family: 4 | 6 } | null {
  const clean = normaliseIp(ip);
  const family = isIP(clean);
  if (family === 4)
    return {
      value: clean.split('.').reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n),
      family: 4,
    };
  if (family !== 6) return null;
  const [head, tail] = clean.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  let headParts = parse(head);
  let tailParts = parse(tail);
  // An embedded IPv4 tail counts as two groups.
  const expand = (parts: string[]) =>
    parts.flatMap((part) =>
      part.includes('.')
        ? ((n) => [(n >> 16n).toString(16), (n & 0xffffn).toString(16)])(ipToBigInt(part)!.value)
        : [part],
    );
  headParts = expand(headParts);
  tailParts = expand(tailParts);
  const groups =
    tail === undefined
      ? headParts
      : [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
  return {
    value: groups.reduce((acc, group) => (acc << 16n) + BigInt(parseInt(group || '0', 16)), 0n),
    family: 6,
  };
}

function inNetwork(ip: string, network: string, bits: number): boolean {
  const address = ipToBigInt(ip);
  const base = ipToBigInt(network);
  if (!address || !base || address.family !== base.family) return false;
  const width = address.family === 4 ? 32n : 128n;
  const shift = width - BigInt(bits);
  return address.value >> shift === base.value >> shift;
}

/** Does a network pattern match this client IP? */
export function matchesIp(pattern: ParsedPattern, ip: string): boolean {
  if (pattern.kind === 'ip') return inNetwork(ip, pattern.value, pattern.family === 6 ? 128 : 32);
  if (pattern.kind === 'cidr' || pattern.kind === 'ip-prefix')
    return inNetwork(ip, pattern.value, pattern.prefixBits ?? 0);
  return false;
}

/** Does a domain pattern match this host or mail domain? `domain-tree` includes subdomains. */
export function matchesDomain(pattern: ParsedPattern, domain: string): boolean {
  const name = domain.toLowerCase().replace(/\.$/, '');
  if (pattern.kind === 'domain-tree') return name === pattern.value || name.endsWith(`.${pattern.value}`);
  if (pattern.kind === 'domain-exact') return name === pattern.value;
  return false;
}

/** Does a pattern match this envelope address (sender or recipient)? */
export function matchesAddress(pattern: ParsedPattern, address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = (at >= 0 ? address.slice(0, at) : address).toLowerCase();
  const domain = at >= 0 ? address.slice(at + 1).toLowerCase() : '';
  switch (pattern.kind) {
    case 'address':
      return `${local}@${domain}` === pattern.value;
    case 'local-part':
      return local === pattern.value;
    case 'domain-exact':
    case 'domain-tree':
      return domain !== '' && matchesDomain(pattern, domain);
    default:
      return false;
  }
}
