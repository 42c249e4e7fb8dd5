// Who may read /metrics: POSTROOM_METRICS_ALLOW, a comma-separated list of addresses and CIDRs,
// by default the loopback ranges (127.0.0.0/8 and ::1: every 127.x address is this machine).
// Setting it replaces the default, so 127.0.0.1/32 alone refuses 127.0.0.2.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export const DEFAULT_METRICS_ALLOW = '127.0.0.0/8,::1/128';

export function metricsAllowList(raw = process.env.POSTROOM_METRICS_ALLOW): BlockList {
  const list = new BlockList();
  const entries = (raw?.trim() ? raw : DEFAULT_METRICS_ALLOW).split(',').map((entry) => entry.trim());
  for (const entry of entries.filter(Boolean)) {
    const [address = '', prefixText] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    const prefix = prefixText === undefined ? (family === 'ipv4' ? 32 : 128) : Number(prefixText);
    const maxPrefix = family === 'ipv4' ? 32 : 128;
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix)
      throw new Error(`POSTROOM_METRICS_ALLOW: "${entry}" is not an address or CIDR`);
    list.addSubnet(address, prefix, family);
  }
  return list;
}

/** `clientIp` as server/web/client-ip.ts gives it (IPv4-mapped IPv6 already plain). */
export function metricsAllowed(clientIp: string | undefined, list = metricsAllowList()): boolean {
  if (!clientIp) return false;
  const family = isIPv4(clientIp) ? 'ipv4' : isIPv6(clientIp) ? 'ipv6' : null;
  return family !== null && list.check(clientIp, family);
}
