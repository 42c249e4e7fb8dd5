// One-time recovery codes: ten per enrolment, shown once, kept as keyed hashes (they are random,
// about 50 bits each, and throttled like passwords, so a slow hash adds nothing).
import { randomInt } from 'node:crypto';
import { db, type Tx } from '../../core/db';
import { keyedHash } from '../keyed-hash';

const COUNT = 10;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

function generate(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

function hashOf(userId: number, code: string): Promise<string> {
  return keyedHash('recovery-code', `${userId}:${code.trim().toLowerCase().replace(/[\s-]/g, '')}`);
}

/** Replaces the user's recovery codes with fresh ones and returns them (plain, this once). */
export async function makeRecoveryCodes(userId: number, tx: Tx): Promise<string[]> {
  const codes = Array.from({ length: COUNT }, generate);
  await tx.recoveryCode.deleteMany({ where: { userId } });
  for (const code of codes)
    await tx.recoveryCode.create({ data: { userId, codeHash: await hashOf(userId, code) } });
  return codes;
}

/** Spends a recovery code: true the first time, false for a used or unknown one. */
export async function spendRecoveryCode(userId: number, code: string): Promise<boolean> {
  const used = await db().recoveryCode.updateMany({
    where: { userId, codeHash: await hashOf(userId, code), usedAt: null },
    data: { usedAt: new Date() },
  });
  return used.count > 0;
}

export async function unusedRecoveryCodes(userId: number): Promise<number> {
  return db().recoveryCode.count({ where: { userId, usedAt: null } });
}
