// The names the certificate covers: the server's own (POSTROOM_HOSTNAME, where clients and MX
// records point) and, for every enabled domain, mta-sts.<domain> (MTA-STS, RFC 8461 3.3 wants a
// valid certificate there) and autoconfig.<domain> (Thunderbird's client set-up).
import { config } from '../core/config';
import { db } from '../core/db';

export async function certificateNames(): Promise<string[]> {
  const domains = await db().domain.findMany({ where: { enabled: true }, select: { domain: true } });
  const names = new Set<string>([config().hostname.toLowerCase()]);
  for (const { domain } of domains) {
    names.add(`mta-sts.${domain.toLowerCase()}`);
    names.add(`autoconfig.${domain.toLowerCase()}`);
  }
  return [...names];
}
