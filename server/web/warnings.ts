// The dashboard's "needs attention" list: missing DNS records, certificate expiry, a deferred
// queue that keeps growing. DNS results are kept for ten minutes so the dashboard stays fast.
import { db } from '../core/db';
import { config } from '../core/config';
import { checkDomainDns } from './dns-records';
import { certificateStatus } from './tls-status';
import { dkimRecord } from '../queue/dkim';

export interface Warning {
  text: string;
  href?: string;
}

const DNS_TTL_MS = 10 * 60_000;
const MAX_DOMAINS_CHECKED = 10;
const ESSENTIAL = new Set(['MX', 'TXT']);
const dnsCache = new Map<string, { at: number; missing: Promise<string[]> }>();

function missingRecords(domain: { domain: string }): Promise<string[]> {
  const cached = dnsCache.get(domain.domain);
  if (cached && Date.now() - cached.at < DNS_TTL_MS) return cached.missing;
  const missing = dkimRecord(domain.domain)
    .then((dkim) => checkDomainDns({ domain: domain.domain, dkim, hostname: config().hostname }))
    .then((records) =>
      records
        .filter(
          (record) =>
            ESSENTIAL.has(record.type) &&
            record.name.split('.').length <= domain.domain.split('.').length + 2 &&
            (record.status === 'missing' || record.status === 'wrong'),
        )
        .map((record) => (record.type === 'MX' ? 'MX' : record.purpose.split(':')[0]!)),
    )
    .catch(() => [] as string[]);
  dnsCache.set(domain.domain, { at: Date.now(), missing });
  return missing;
}

export async function dashboardWarnings(now = Date.now()): Promise<Warning[]> {
  const warnings: Warning[] = [];
  const cert = certificateStatus(now);
  if (!cert.present)
    warnings.push({
      text: 'No TLS certificate yet: the mail worker makes a self-signed one when it starts.',
      href: '/admin/settings',
    });
  else if (cert.daysLeft !== undefined && cert.daysLeft < 0)
    warnings.push({
      text: `The TLS certificate expired ${-cert.daysLeft} day(s) ago.`,
      href: '/admin/settings',
    });
  else if (cert.daysLeft !== undefined && cert.daysLeft < 21)
    warnings.push({
      text: `The TLS certificate expires in ${cert.daysLeft} day(s).`,
      href: '/admin/settings',
    });
  if (cert.acme?.lastError)
    warnings.push({
      text: `ACME could not get a certificate: ${cert.acme.lastError}`,
      href: '/admin/settings',
    });
  if (cert.selfSigned && cert.present && !cert.acme)
    warnings.push({
      text: 'The TLS certificate is self-signed: other servers and mail clients will not trust it. Set POSTROOM_TLS_CERT and POSTROOM_TLS_KEY.',
      href: '/admin/settings',
    });

  const [deferred, oldDeferred] = await Promise.all([
    db().queueEntry.count({ where: { status: 'deferred' } }),
    db().queueEntry.count({ where: { status: 'deferred', createdAt: { lt: new Date(now - 86_400_000) } } }),
  ]);
  if (deferred >= 20 || oldDeferred > 0)
    warnings.push({
      text: `${deferred} message(s) are deferred in the queue${oldDeferred ? `, ${oldDeferred} of them for more than a day` : ''}.`,
      href: '/admin/queue?status=deferred',
    });

  const domains = await db().domain.findMany({
    where: { aliasOfId: null, enabled: true },
    orderBy: { id: 'asc' },
    take: MAX_DOMAINS_CHECKED,
    select: { domain: true },
  });
  // Never hold the dashboard up for slow DNS: what is not known yet shows on the next load.
  const patience = new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 1500).unref());
  const results = await Promise.all(
    domains.map(async (domain) => ({
      domain: domain.domain,
      missing: await Promise.race([missingRecords(domain), patience]),
    })),
  );
  for (const result of results) {
    if (result.missing.length)
      warnings.push({
        text: `${result.domain}: DNS records missing or wrong: ${[...new Set(result.missing)].join(', ')}.`,
        href: `/admin/domains/${result.domain}/dns`,
      });
  }
  return warnings;
}
