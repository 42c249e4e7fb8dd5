// How many mail worker processes to run (POSTROOM_WORKERS) and which one this is. Read by the
// worker's entry before anything heavy is loaded, so it imports nothing but node:os.
import { availableParallelism } from 'node:os';

/** Set by the cluster primary in each child's environment: its slot, 0 to N-1, kept across restarts. */
export const SLOT_ENV = 'POSTROOM_WORKER_SLOT';

/** POSTROOM_WORKERS, or one process per core; a value that is not a whole number ≥ 1 is an error. */
export function workerProcessCount(): number {
  const raw = process.env.POSTROOM_WORKERS;
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`POSTROOM_WORKERS must be a whole number of at least 1, got "${raw}"`);
  return value;
}

/** This process's slot: 0 when it runs alone, as today's single worker does. */
export function workerSlot(): number {
  return Number(process.env[SLOT_ENV]) || 0;
}
