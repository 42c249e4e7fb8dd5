// The login throttle's limits and the verified-password cache's, read from the environment at each
// use (tests and operators can change them without a restart of the code that reads them).

export interface ThrottleSettings {
  /** How long a failure counts against its client address and its (account, address) pair. */
  windowMs: number;
  /** Failures one client address may make for one account within the window. */
  maxFailuresPerAccountAndAddress: number;
  /** Failures one client address may make for all accounts together within the window. */
  maxFailuresPerAddress: number;
  /** Failures per account per minute from every address together (the guessing rate). */
  maxAccountFailuresPerMinute: number;
  /** The first penalty delay; it doubles with each further recent failure from the address. */
  penaltyMs: number;
  penaltyMaxMs: number;
  /** How long an address that logged in to an account is remembered as the owner's. */
  knownAddressMs: number;
}

export const ACCOUNT_RATE_WINDOW_MS = 60_000;

function whole(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  // A mistyped limit must not switch throttling off: fall back to the default.
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}

export function throttleSettings(): ThrottleSettings {
  return {
    windowMs: 15 * 60_000,
    maxFailuresPerAccountAndAddress: Math.max(1, whole('POSTROOM_AUTH_MAX_FAILURES_PER_ACCOUNT_ADDRESS', 10)),
    maxFailuresPerAddress: Math.max(1, whole('POSTROOM_AUTH_MAX_FAILURES_PER_ADDRESS', 30)),
    maxAccountFailuresPerMinute: Math.max(1, whole('POSTROOM_AUTH_MAX_ACCOUNT_FAILURES_PER_MINUTE', 20)),
    penaltyMs: whole('POSTROOM_AUTH_PENALTY_MS', 2000),
    penaltyMaxMs: whole('POSTROOM_AUTH_PENALTY_MAX_MS', 15_000),
    knownAddressMs: 30 * 24 * 60 * 60_000,
  };
}

export interface AuthCacheSettings {
  /** How long a successful verification is remembered (verified-cache.ts); 0 turns the cache off. */
  ttlMs: number;
  /** The most verifications remembered at once; the least recently used go first. */
  maxEntries: number;
}

/** Dovecot's auth_cache_ttl default (1 hour); POSTROOM_AUTH_CACHE_TTL is in seconds. */
export function authCacheSettings(): AuthCacheSettings {
  return {
    ttlMs: whole('POSTROOM_AUTH_CACHE_TTL', 3600) * 1000,
    maxEntries: whole('POSTROOM_AUTH_CACHE_SIZE', 10_000),
  };
}

/** Dovecot's auth penalty: no delay without recent failures, then doubling, capped. */
export function penaltyDelayMs(recentFailures: number, settings: ThrottleSettings): number {
  if (recentFailures <= 0 || settings.penaltyMs === 0) return 0;
  const doubled = settings.penaltyMs * 2 ** Math.min(recentFailures - 1, 30);
  return Math.min(doubled, settings.penaltyMaxMs);
}
