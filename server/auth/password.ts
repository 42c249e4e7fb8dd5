// Password hashing: argon2id for new hashes; bcrypt ($2a$/$2b$/$2y$, as Postfix/Dovecot set-ups
// store them), sha-crypt, md5-crypt and Dovecot's {SCHEME} prefixes are verified as they are
// (legacy-hashes.ts), so migrated databases keep working.
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

const ARGON2ID = 2; // @node-rs/argon2's Algorithm.Argon2id (a const enum, not importable here)
import bcrypt from 'bcryptjs';
import { FieldError } from '../domain/errors';
import { splitScheme, verifyCrypt } from './legacy-hashes';
import { recentlyVerified, rememberVerified } from './verified-cache';

export async function hashPassword(plain: string): Promise<string> {
  return argon2Hash(plain, { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 });
}

export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  // A pair that verified within the TTL answers without the hash computation; failures are never
  // remembered (verified-cache.ts says why this is safe).
  if (recentlyVerified(stored, plain)) return true;
  const ok = await verifyHash(plain, stored);
  if (ok) rememberVerified(stored, plain);
  return ok;
}

/** Whether this pair verified within the cache's TTL: the password is known right, no hashing. */
export function knownRight(plain: string, stored: string): boolean {
  return recentlyVerified(stored, plain);
}

/** Always computes the hash: the unknown-user decoy must not answer faster the second time. */
export async function verifyHash(plain: string, stored: string): Promise<boolean> {
  // Imported hashes may carry Dovecot's scheme prefix ({BLF-CRYPT}, {SHA512-CRYPT}, {ARGON2ID}...).
  const { hash } = splitScheme(stored);
  if (hash.startsWith('$argon2')) return argon2Verify(hash, plain).catch(() => false);
  if (/^\$2[aby]\$\d\d\$/.test(hash)) return bcrypt.compare(plain, hash.replace(/^\$2y\$/, '$2b$'));
  return verifyCrypt(plain, hash);
}

/** True when a stored hash should be replaced by an argon2id one at the next successful login. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith('$argon2id$');
}

/** Minimum strength: 10 characters and not only one class of character. */
export function checkPasswordStrength(plain: string, field = 'password'): void {
  if (!plain) throw new FieldError(field, 'is required');
  if (plain.length < 10) throw new FieldError(field, 'must be at least 10 characters');
  if (plain.length > 1024) throw new FieldError(field, 'must be at most 1024 characters');
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(plain)).length;
  if (classes < 2)
    throw new FieldError(field, 'must mix at least two of lower case, upper case, digits and symbols');
}

/** A 0-4 score for the console's strength hint. */
export function passwordScore(plain: string): number {
  let score = 0;
  if (plain.length >= 10) score++;
  if (plain.length >= 14) score++;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(plain)).length;
  if (classes >= 3) score++;
  if (classes === 4 && plain.length >= 12) score++;
  return score;
}
