// Hashes other mail servers store (Dovecot's `{SCHEME}` prefixes, PostfixAdmin's crypt strings),
// verified as they are so an imported mailbox logs in with its old password; login.ts replaces
// them with argon2id at the first successful login (needsRehash).
import { createHash, timingSafeEqual } from 'node:crypto';
import { verify as shaCryptVerify } from 'unixcrypt';

const SCHEME = /^\{([A-Z0-9.-]+)\}/i;

/** Splits `{SHA512-CRYPT}$6$...` into its scheme (upper case, '' when none) and the hash. */
export function splitScheme(stored: string): { scheme: string; hash: string } {
  const match = SCHEME.exec(stored);
  return match
    ? { scheme: match[1]!.toUpperCase(), hash: stored.slice(match[0].length) }
    : { scheme: '', hash: stored };
}

/** The schemes an imported hash may carry; anything else is refused at import time. */
export function isSupportedHash(stored: string): boolean {
  const { scheme, hash } = splitScheme(stored);
  if (
    !['', 'BLF-CRYPT', 'SHA512-CRYPT', 'SHA256-CRYPT', 'MD5-CRYPT', 'ARGON2ID', 'ARGON2I', 'CRYPT'].includes(
      scheme,
    )
  )
    return false;
  return /^\$(2[aby]|6|5|1|argon2id|argon2i)\$/.test(hash);
}

/** True when `plain` matches a sha-crypt ($5$, $6$) or md5-crypt ($1$) hash. */
export function verifyCrypt(plain: string, hash: string): boolean {
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) {
    try {
      return shaCryptVerify(plain, hash);
    } catch {
      return false;
    }
  }
  if (hash.startsWith('$1$')) {
    const salt = hash.slice(3).split('$')[0] ?? '';
    const expected = Buffer.from(md5Crypt(plain, salt));
    const actual = Buffer.from(hash);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  return false;
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function to64(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** Poul-Henning Kamp's md5-crypt (`$1$`), as glibc and Dovecot's MD5-CRYPT compute it. */
export function md5Crypt(plain: string, saltInput: string): string {
  const password = Buffer.from(plain, 'utf8');
  const salt = Buffer.from(saltInput.slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  const alternate = createHash('md5').update(password).update(salt).update(password).digest();
  const ctx = createHash('md5').update(password).update(magic).update(salt);
  for (let left = password.length; left > 0; left -= 16)
    ctx.update(alternate.subarray(0, Math.min(16, left)));
  for (let i = password.length; i > 0; i >>= 1)
    ctx.update(i & 1 ? Buffer.from([0]) : password.subarray(0, 1));
  let digest = ctx.digest();
  for (let round = 0; round < 1000; round++) {
    const step = createHash('md5');
    step.update(round & 1 ? password : digest);
    if (round % 3) step.update(salt);
    if (round % 7) step.update(password);
    step.update(round & 1 ? digest : password);
    digest = step.digest();
  }
  const d = digest;
  const encoded =
    to64((d[0]! << 16) | (d[6]! << 8) | d[12]!, 4) +
    to64((d[1]! << 16) | (d[7]! << 8) | d[13]!, 4) +
    to64((d[2]! << 16) | (d[8]! << 8) | d[14]!, 4) +
    to64((d[3]! << 16) | (d[9]! << 8) | d[15]!, 4) +
    to64((d[4]! << 16) | (d[10]! << 8) | d[5]!, 4) +
    to64(d[11]!, 2);
  return `$1$${salt.toString('utf8')}$${encoded}`;
}
