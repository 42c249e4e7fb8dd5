// The client address failures are counted under. An IPv4-mapped IPv6 address (a dual-stack
// listener's view of an IPv4 client, RFC 4291 section 2.5.5.2) is the IPv4 address; an IPv6 client
// is counted by its /64, the smallest block one subscriber is given (RFC 6177), because a host can
// use any address inside it. Anything else (a header that names no address) shares one bucket.
import { isIPv4, isIPv6 } from 'node:net';

export const UNKNOWN_ADDRESS = 'unknown';

/** The first four hextets of an IPv6 address, each without leading zeros. */
function ipv6Prefix64(ip: string): string {
  const [head = '', tail] = ip.split('::');
  const hextets = (part: string) => (part ? part.split(':') : []);
  // An embedded IPv4 tail (64:ff9b::192.0.2.1) stands for two hextets.
  const width = (parts: string[]) => parts.reduce((sum, part) => sum + (part.includes('.') ? 2 : 1), 0);
  const headParts = hextets(head);
  const tailParts = tail === undefined ? [] : hextets(tail);
  const zeros = tail === undefined ? 0 : 8 - width(headParts) - width(tailParts);
  const all = [...headParts, ...Array<string>(Math.max(0, zeros)).fill('0'), ...tailParts];
  return all
    .slice(0, 4)
    .map((hextet) => Number.parseInt(hextet, 16).toString(16))
    .join(':');
}

export function clientAddressGroup(clientIp: string | undefined | null): string {
  if (!clientIp) return UNKNOWN_ADDRESS;
  const ip = clientIp
    .trim()
    .replace(/%.*$/, '')
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) return `${ipv6Prefix64(ip.toLowerCase())}::/64`;
  return UNKNOWN_ADDRESS;
}
