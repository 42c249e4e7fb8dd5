// What the policy needs to know about local domains and mailboxes, behind a small interface so
// the decision logic is plain code; `databaseDirectory` answers from server/domain.
import { db } from '../core/db';
import { expandAddress, resolveLocalDomain, type Expansion } from '../domain';
import { rawDb } from '../store/raw';

export interface MailboxState {
  id: number;
  address: string;
  enabled: boolean;
  quotaBytes: bigint;
  usedBytes: bigint;
}

export interface PolicyDirectory {
  /** The domain mail for `name` lands in (itself or the domain it aliases), or null. */
  localDomain(name: string): Promise<{ domain: string; enabled: boolean } | null>;
  /** Recursive alias expansion (server/domain expandAddress). */
  expand(address: string): Promise<Expansion>;
  mailbox(userId: number): Promise<MailboxState | null>;
  /** The mailbox an authenticated login name belongs to. */
  mailboxByAddress(address: string): Promise<MailboxState | null>;
}

function toState(row: {
  id: number;
  local: string;
  domain: string;
  enabled: boolean;
  quotaBytes: bigint;
  usedBytes: bigint;
}): MailboxState {
  return {
    id: row.id,
    address: `${row.local}@${row.domain}`,
    enabled: row.enabled,
    quotaBytes: row.quotaBytes,
    usedBytes: row.usedBytes,
  };
}

/**
 * resolveLocalDomain in one plain query: asked at every MAIL FROM and RCPT TO, and for a sender
 * from elsewhere the answer is "not ours", which is never cached (a new domain works at once).
 */
async function localDomainRow(name: string): Promise<{ domain: string; enabled: boolean } | null> {
  const rows = await rawDb().readCached<{
    domain: string;
    enabled: unknown;
    alias_domain: string | null;
    alias_enabled: unknown;
  }>(
    'SELECT d.domain, d.enabled, a.domain AS alias_domain, a.enabled AS alias_enabled FROM domains d LEFT JOIN domains a ON a.id = d.alias_of_id WHERE d.domain = ?',
    [name.toLowerCase()],
  );
  const row = rows[0];
  if (!row) return null;
  const enabled = Number(row.enabled) === 1;
  return row.alias_domain !== null
    ? { domain: row.alias_domain, enabled: enabled && Number(row.alias_enabled) === 1 }
    : { domain: row.domain, enabled };
}

export const databaseDirectory: PolicyDirectory = {
  localDomain: (name) => localDomainRow(name),
  expand: (address) => expandAddress(address),
  async mailbox(userId) {
    const row = await db().user.findUnique({ where: { id: userId } });
    return row ? toState(row) : null;
  },
  async mailboxByAddress(address) {
    const at = address.lastIndexOf('@');
    if (at <= 0) return null;
    const domain = await resolveLocalDomain(address.slice(at + 1));
    if (!domain) return null;
    const row = await db().user.findUnique({
      where: { local_domain: { local: address.slice(0, at).toLowerCase(), domain: domain.domain } },
    });
    return row ? toState(row) : null;
  },
};

export function isOverQuota(mailbox: MailboxState, extraBytes = 0): boolean {
  return mailbox.quotaBytes > 0n && mailbox.usedBytes + BigInt(extraBytes) > mailbox.quotaBytes;
}

/**
 * The same answers, remembered for a moment: under load the same few recipients come again and
 * again, and each lookup is several queries. Only positive answers are kept (a new mailbox works
 * at once; a removed one may take ttlMs to be refused). Quota is re-checked at delivery anyway.
 */
export function cachedDirectory(inner: PolicyDirectory, ttlMs = 2000): PolicyDirectory {
  const caches = new Map<string, Map<string, { value: unknown; until: number }>>();
  const remember = <T>(
    name: string,
    key: string,
    load: () => Promise<T>,
    keep: (value: T) => boolean,
  ): Promise<T> => {
    let cache = caches.get(name);
    if (!cache) caches.set(name, (cache = new Map()));
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.value as T);
    return load().then((value) => {
      if (keep(value)) {
        if (cache!.size > 10_000) cache!.clear();
        cache!.set(key, { value, until: Date.now() + ttlMs });
      }
      return value;
    });
  };
  return {
    localDomain: (name) =>
      remember(
        'domain',
        name.toLowerCase(),
        () => inner.localDomain(name),
        (value) => value !== null,
      ),
    expand: (address) =>
      remember(
        'expand',
        address.toLowerCase(),
        () => inner.expand(address),
        (value) => value.mailboxes.length + value.external.length > 0,
      ),
    mailbox: (id) =>
      remember(
        'mailbox',
        String(id),
        () => inner.mailbox(id),
        (value) => value !== null && !isOverQuota(value, 1),
      ),
    mailboxByAddress: (address) =>
      remember(
        'login',
        address.toLowerCase(),
        () => inner.mailboxByAddress(address),
        (value) => value !== null,
      ),
  };
}
