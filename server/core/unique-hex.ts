// Random hex for names that must be unique but need not be secret (queue ids, spool file names),
// cut from a pooled 4 KiB of randomness: one crypto.randomBytes call cost ~28 us on the bench VM
// (OpenSSL's generator is asked afresh each time) and a delivered message needed several.
// Secrets (keys, session ids, tokens) keep calling randomBytes themselves.
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

export function uniqueHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes));
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
