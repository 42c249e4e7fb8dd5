// A short-lived memory of successful password verifications, so a client that logs in again and
// again (IMAP clients open several connections, and reconnect all day) costs one argon2id
// verification per TTL instead of one per login (~23 ms of CPU each).
//
// Why this is safe:
// - No password is kept: an entry is HMAC-SHA256 under a random key made at start-up that never
//   leaves this process (not logged, not stored, not shared between workers), over the stored hash
//   and the password. Without the key an entry cannot be tested against guesses.
//   (Whoever can read this process's memory has the key, but could read passwords as they arrive.)
// - The stored hash is part of the key, so a password change, reset or rehash makes the old entry
//   unreachable at once, in every process, as soon as the new hash is read from the database.
//   Only the verification is remembered: the account is still looked up, and its enabled flag and
//   its domain checked, at every login (login.ts), so disabling or removing it acts at once.
// - Only successes are remembered. Caching failures (Dovecot's auth_cache_negative_ttl) would let
//   a stale "wrong" answer outlive a password change, and would make guessing cheaper; the login
//   throttle (throttle.ts) is what limits guessing.
// Unlike Dovecot's auth cache, which keeps the passdb lookup (the hash) and still verifies the
// password against it at every login, this skips the hash computation itself.
import { createHmac, randomBytes } from 'node:crypto';
import { authCacheSettings } from './throttle-settings';

const key = randomBytes(32);
/** Entry → expiry (ms since the epoch); a Map iterates in insertion order, oldest first. */
const entries = new Map<string, number>();

function entryFor(stored: string, plain: string): string {
  return createHmac('sha256', key).update(stored).update('\0').update(plain).digest('base64');
}

/** True when this (stored hash, password) pair verified successfully within the TTL. */
export function recentlyVerified(stored: string, plain: string, now = Date.now()): boolean {
  const { ttlMs } = authCacheSettings();
  if (ttlMs === 0) return false;
  const id = entryFor(stored, plain);
  const expires = entries.get(id);
  if (expires === undefined) return false;
  entries.delete(id);
  // A lowered TTL applies to entries already made, too.
  if (now >= expires || expires - now > ttlMs) return false;
  entries.set(id, expires); // most recently used last; the TTL still runs from the verification
  return true;
}

/** Remembers a successful verification; call it only after one. */
export function rememberVerified(stored: string, plain: string, now = Date.now()): void {
  const { ttlMs, maxEntries } = authCacheSettings();
  if (ttlMs === 0 || maxEntries === 0) return;
  const id = entryFor(stored, plain);
  entries.delete(id);
  entries.set(id, now + ttlMs);
  // Drop the least recently used entries beyond the bound.
  for (const oldest of entries.keys()) {
    if (entries.size <= maxEntries) break;
    entries.delete(oldest);
  }
}

/** How many entries are held (tests). */
export function verifiedCacheSize(): number {
  return entries.size;
}

/** Forgets every entry (tests). */
export function clearVerifiedCache(): void {
  entries.clear();
}
