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
 * One worker process per core, and at most one per GiB of memory: each idle worker costs some
 * 80-100 MiB, so a 1 or 2 GB virtual machine runs one whatever its cores (idle tree ~182 MiB). On
 * the 2-core bench VM one worker did as well as two at most things, for less CPU and memory, and
 * better at IMAP on MariaDB; two did better at SMTP with many messages per connection on SQLite
 * (README "Performance"). POSTROOM_WORKERS=1 is the setting for a 2-core machine that also runs
 * its database.
 */
export function defaultWorkerCount(cores: number, memoryBytes: number): number {
  return Math.max(1, Math.min(cores, Math.floor(memoryBytes / GiB)));
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
