// How many mail worker processes to run (POSTROOM_WORKERS) and which one this is. Read by the
// worker's entry before anything heavy is loaded, so it imports nothing but node:os.
import { availableParallelism, totalmem } from 'node:os';

/** Set by the cluster primary in each child's environment: its slot, 0 to N-1, kept across restarts. */
export const SLOT_ENV = 'POSTROOM_WORKER_SLOT';

const GiB = 1024 ** 3;

/** The memory this process may use: the machine's, or less under a cgroup (container) limit. */
function usableMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return limit > 0 && limit < total ? limit : total;
}

/**
 * One worker process per core but one, and at most one per GiB of memory. The core left over is for
 * the database, the console, TLS and the kernel: on a 2-core VM one worker stored more SMTP mail
 * (one message per connection 269-379 msg/s against 246-288; many per connection 583-668 against
 * 297-458) and ran more imaptest commands (SQLite 25,153 against 22,483-24,634; MariaDB 14,535
 * against 11,883-14,697) than two, at half the CPU per message, and started faster (2.3 s against
 * 3.4 s) in less memory (194 against 284 MiB; README "Performance"). Each idle worker costs some
 * 80-100 MiB, so a 1 or 2 GB virtual machine runs one whatever its cores.
 */
export function defaultWorkerCount(cores: number, memoryBytes: number): number {
  return Math.max(1, Math.min(cores - 1, Math.floor(memoryBytes / GiB)));
}

/** POSTROOM_WORKERS, or the default above; a value that is not a whole number ≥ 1 is an error. */
export function workerProcessCount(): number {
  const raw = process.env.POSTROOM_WORKERS;
  if (raw === undefined || raw.trim() === '')
    return defaultWorkerCount(availableParallelism(), usableMemory());
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`POSTROOM_WORKERS must be a whole number of at least 1, got "${raw}"`);
  return value;
}

/** This process's slot: 0 when it runs alone, as today's single worker does. */
export function workerSlot(): number {
  return Number(process.env[SLOT_ENV]) || 0;
}
