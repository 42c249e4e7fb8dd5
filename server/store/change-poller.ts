// Hears changes made by other worker processes: one query per process every `intervalMs` for
// `mail_changes` rows newer than the last seen, re-announced on the in-process feed (changes.ts).
// Runs only while someone holds it (reference counted), so idle processes do not poll.
import { db } from '../core/db';
import { logger } from '../core/logger';
import { notifyChange } from './changes';

let holders = 0;
let timer: NodeJS.Timeout | undefined;
let lastSeen: number | undefined;
let running = false;
/** Raised whenever polling stops or fails: changes made meanwhile by others may go unheard. */
let epoch = 0;

function stop(): void {
  clearInterval(timer);
  timer = undefined;
  lastSeen = undefined;
  epoch++;
}

/**
 * A token that stays the same while every other process's change is being heard (polling runs,
 * from a known change id, without failures); null when polling is not running.
 */
export function changePollerEpoch(): number | null {
  return timer && lastSeen !== undefined ? epoch : null;
}

async function poll(): Promise<void> {
  // Stopped one interval after the last holder left, so a re-SELECT does not restart it.
  if (holders === 0) return stop();
  if (running) return;
  running = true;
  try {
    if (lastSeen === undefined) {
      const row = await db().mailChange.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
      lastSeen = row?.id ?? 0;
      return;
    }
    const rows = await db().mailChange.findMany({
      where: { id: { gt: lastSeen } },
      orderBy: { id: 'asc' },
      take: 5000,
      select: { id: true, folderId: true },
    });
    if (rows.length === 0) return;
    lastSeen = rows[rows.length - 1]!.id;
    for (const folderId of new Set(rows.map((row) => row.folderId))) notifyChange(folderId);
  } catch (error) {
    epoch++;
    logger.warn('change poller query failed', { error: String(error) });
  } finally {
    running = false;
  }
}

/** Starts polling (if not already) and returns the function that lets go of it. */
export function holdChangePoller(intervalMs = 250): () => void {
  holders++;
  if (!timer) {
    void poll();
    timer = setInterval(() => void poll(), intervalMs);
    timer.unref();
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
  };
}
