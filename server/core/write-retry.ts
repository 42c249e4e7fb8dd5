// The one place where a write transaction that lost a lock race is run again. MariaDB/InnoDB
// picks a victim of a deadlock (1213) and rolls its whole transaction back; a lock wait that runs
// out (1205) or a Galera certification conflict (1213, or 1180 at COMMIT) likewise leaves nothing
// committed; SQLite says SQLITE_BUSY when another process holds the write lock longer than the
// busy timeout, or when a read snapshot can no longer be upgraded to a write (SQLITE_BUSY_SNAPSHOT).
// In every case the right answer is to run the transaction again from the start, after a short
// randomised pause so the two losers do not collide again in step.
//
// Only the transaction's own work is repeated: callers must keep side effects that others can see
// (change notifications, events, replies, files other than content-addressed blobs) until after
// the wrapped call returns. A failure whose outcome is unknown (a connection lost during COMMIT)
// is not one of these codes and is never retried.
import { logger } from './logger';

/** MariaDB/MySQL error numbers that mean "rolled back, nothing committed: try again". */
const RETRYABLE_ERRNOS = new Set([
  1020, // ER_CHECKREAD: record changed since last read (innodb_snapshot_isolation, MariaDB 11.6+)
  1180, // ER_ERROR_DURING_COMMIT: Galera certification failure reported at COMMIT
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK, also Galera's brute-force abort of a conflicting local transaction
]);

const DEFAULT_RETRIES = 8;
const BASE_DELAY_MS = 5;
const MAX_DELAY_MS = 250;

interface ErrorLike {
  errno?: unknown;
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

function isRetryableCode(code: unknown): boolean {
  if (typeof code === 'number') return RETRYABLE_ERRNOS.has(code);
  if (typeof code !== 'string') return false;
  // Prisma's code for "transaction failed due to a write conflict or a deadlock".
  if (code === 'P2034' || code.startsWith('SQLITE_BUSY')) return true;
  return /^\d+$/.test(code) && RETRYABLE_ERRNOS.has(Number(code));
}

/**
 * True when the error (or what it wraps: the mariadb driver's error, Prisma's driver adapter error)
 * says the transaction was rolled back by a lock conflict and can simply be run again.
 */
export function isRetryableWriteError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const candidate = current as ErrorLike;
    if (isRetryableCode(candidate.errno) || isRetryableCode(candidate.code)) return true;
    if (isRetryableCode(candidate.originalCode)) return true;
    // Prisma's MariaDB adapter names 1213 TransactionWriteConflict.
    if (candidate.kind === 'TransactionWriteConflict') return true;
    if (typeof candidate.message === 'string' && /\bWSREP\b.*\b(conflict|deadlock)/i.test(candidate.message))
      return true;
    current = candidate.meta?.driverAdapterError ?? candidate.cause;
  }
  return false;
}

/** How many times a conflicted write transaction is tried again (POSTROOM_DB_WRITE_RETRIES). */
export function writeRetryLimit(): number {
  const raw = process.env.POSTROOM_DB_WRITE_RETRIES;
  if (raw === undefined || raw === '') return DEFAULT_RETRIES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`POSTROOM_DB_WRITE_RETRIES must be a whole number, got "${raw}"`);
  return value;
}

/** Full jitter over an exponential ceiling: attempt 1 waits 0-10 ms, attempt 6 and later 0-250 ms. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
}

/**
 * Runs `transaction` (which must open, do and commit one whole transaction) and runs it again
 * while it fails with a lock conflict, up to the retry limit. `label` names it in the log.
 */
export async function withWriteRetry<T>(label: string, transaction: () => Promise<T>): Promise<T> {
  const limit = writeRetryLimit();
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (!isRetryableWriteError(error)) throw error;
      if (attempt > limit) {
        logger.warn('write transaction still conflicting, giving up', { label, attempts: attempt });
        throw error;
      }
      const pause = backoffMs(attempt);
      logger.debug('write transaction conflicted, retrying', { label, attempt, pauseMs: Math.round(pause) });
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
