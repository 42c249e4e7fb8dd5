// Reading the event log for the console's Logs page, live stream, dashboard and journeys.
import { db } from '../core/db';
import { addressInDomains } from '../domain/rights';

export interface EventFilter {
  since?: Date;
  until?: Date;
  protocol?: string;
  address?: string;
  clientIp?: string;
  queueId?: string;
  result?: string;
  action?: string;
  /** A domain admin's view: only events whose address is in these domains. */
  domains?: string[];
}

export interface EventRow {
  id: number;
  time: string;
  protocol: string;
  clientIp: string | null;
  user: string | null;
  action: string;
  result: string;
  queueId: string | null;
  detail: string | null;
}

export const RANGES: Record<string, number> = {
  '1h': 3600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** Reads filters from URL parameters; unknown values are ignored. */
export function filterFromParams(params: Record<string, string | undefined>): EventFilter {
  const range = params.range && RANGES[params.range] ? RANGES[params.range] : undefined;
  const clean = (value: string | undefined) => value?.trim().slice(0, 320) || undefined;
  const instant = (value: string | undefined) => {
    const date = value ? new Date(value) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date : undefined;
  };
  const from = instant(params.from);
  return {
    since: range ? new Date(Math.max(Date.now() - range, from?.getTime() ?? 0)) : from,
    until: instant(params.to),
    protocol: clean(params.protocol),
    address: clean(params.address)?.toLowerCase(),
    clientIp: clean(params.ip),
    queueId: clean(params.queue),
    result: clean(params.result),
    action: clean(params.action),
  };
}

/** Events about an address in one of the domains (domain names have no LIKE wildcards). */
function domainScope(domains: string[] | undefined) {
  if (domains === undefined) return {};
  if (domains.length === 0) return { id: -1 };
  return { AND: [{ OR: domains.map((domain) => ({ user: { endsWith: `@${domain}` } })) }] };
}

function where(filter: EventFilter, extra: Record<string, unknown> = {}) {
  return {
    ...domainScope(filter.domains),
    ...(filter.since || filter.until
      ? {
          time: {
            ...(filter.since ? { gte: filter.since } : {}),
            ...(filter.until ? { lte: filter.until } : {}),
          },
        }
      : {}),
    ...(filter.protocol ? { protocol: filter.protocol } : {}),
    ...(filter.address ? { user: { contains: filter.address } } : {}),
    ...(filter.clientIp ? { clientIp: { startsWith: filter.clientIp } } : {}),
    ...(filter.queueId ? { queueId: filter.queueId } : {}),
    ...(filter.result ? { result: filter.result } : {}),
    ...(filter.action ? { action: filter.action } : {}),
    ...extra,
  };
}

function toRow(row: {
  id: number;
  time: Date;
  protocol: string;
  clientIp: string | null;
  user: string | null;
  action: string;
  result: string;
  queueId: string | null;
  detail: string | null;
}): EventRow {
  return { ...row, time: row.time.toISOString() };
}

/** Newest first; `beforeId` pages back in time. */
export async function listEvents(
  filter: EventFilter,
  options: { beforeId?: number; limit?: number } = {},
): Promise<EventRow[]> {
  const rows = await db().event.findMany({
    where: where(filter, options.beforeId ? { id: { lt: options.beforeId } } : {}),
    orderBy: { id: 'desc' },
    take: Math.min(options.limit ?? 100, 500),
  });
  return rows.map(toRow);
}

/** Events newer than `afterId`, oldest first (for the live stream). */
export async function eventsAfter(afterId: number, filter: EventFilter, limit = 200): Promise<EventRow[]> {
  const rows = await db().event.findMany({
    where: where(filter, { id: { gt: afterId } }),
    orderBy: { id: 'asc' },
    take: limit,
  });
  return rows.map(toRow);
}

export async function latestEventId(): Promise<number> {
  const row = await db().event.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  return row?.id ?? 0;
}

export const PROTOCOLS = ['smtp', 'imap', 'pop3', 'sieve', 'web', 'queue', 'auth', 'cli', 'system'];

/**
 * Everything that happened to one message, oldest first: by time, then id (a buffered event can be
 * inserted after one written straight away). With `domains` (a domain admin), the journey is
 * shown only when the message concerns one of them, and without the events about other domains'
 * addresses; null means not visible.
 */
export async function journey(queueId: string, domains?: string[]): Promise<EventRow[] | null> {
  const rows = await db().event.findMany({
    where: { queueId },
    orderBy: [{ time: 'asc' }, { id: 'asc' }],
    take: 1000,
  });
  if (domains === undefined) return rows.map(toRow);
  const ours = (address: string | null | undefined) => addressInDomains(address, domains);
  const entry = await db().queueEntry.findUnique({ where: { queueId }, select: { sender: true } });
  if (rows.length === 0 && !entry) return [];
  if (!rows.some((row) => ours(row.user)) && !ours(entry?.sender)) return null;
  return rows.filter((row) => row.user === null || ours(row.user)).map(toRow);
}
