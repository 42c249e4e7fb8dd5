// "Once per :days per sender" (RFC 5230 section 4.2, RFC 6131 :seconds): a row per mailbox,
// handle and sender until it expires. Claiming is atomic across processes: an expired row is taken
// over by one UPDATE, a missing one made by one INSERT, and whoever loses either race sends nothing.
import { createHash } from 'node:crypto';
import { db } from '../core/db';
import { isUniqueViolation } from '../domain/errors';
import { logger } from '../core/logger';

const PRUNE_EVERY_MS = 60 * 60_000;
let lastPrune = 0;

function handleKey(handle: string): string {
  return handle.length <= 64 ? handle : createHash('sha256').update(handle).digest('hex');
}

/** True when a reply to `sender` may go now (and the next is held back for `seconds`). */
export async function claimVacationReply(
  userId: number,
  handle: string,
  sender: string,
  seconds: number,
  now = new Date(),
): Promise<boolean> {
  const key = { userId, handle: handleKey(handle), sender: sender.toLowerCase().slice(0, 320) };
  const expiresAt = new Date(now.getTime() + Math.max(0, seconds) * 1000);
  pruneSoon(now);
  const renewed = await db().sieveVacationReply.updateMany({
    where: { ...key, expiresAt: { lte: now } },
    data: { expiresAt },
  });
  if (renewed.count > 0) return true;
  try {
    await db().sieveVacationReply.create({ data: { ...key, expiresAt } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false; // replied within the period, or just now elsewhere
    throw error;
  }
}

/** Forgets expired rows now and then (they would be taken over anyway; this keeps the table small). */
function pruneSoon(now: Date): void {
  if (now.getTime() - lastPrune < PRUNE_EVERY_MS) return;
  lastPrune = now.getTime();
  db()
    .sieveVacationReply.deleteMany({ where: { expiresAt: { lt: now } } })
    .catch((error: unknown) => logger.warn('vacation memory prune failed', { error: String(error) }));
}
