// The queue runner the mail worker starts: claims due entries and starts an attempt for each, up
// to `concurrency` at once and `destinationConcurrency` per destination, every pollMs, when woken
// (new mail queued in this process, "retry now" from the console or CLI) and whenever an attempt
// ends. Claiming never waits for an attempt, so one slow peer cannot stop the queue. Claims of
// attempts in flight are renewed; on close the attempts are abandoned and their claims given back.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../core/logger';
import { holdSettingOverrides } from '../domain/settings-cache';
import { claimDue, makeDueNow, releaseClaims, renewClaims } from './claim';
import { DestinationSlots } from './destination-slots';
import { processEntry } from './process';
import { queueSettings, type QueueSettings } from './settings';
import { AttemptAbandoned } from './transport';

export interface QueueRunner {
  workerId: string;
  /** Processes what is due now and waits for those attempts; resolves with the number started. */
  runOnce(): Promise<number>;
  wake(): void;
  /** Abandons attempts in flight (their entries are retried) and gives back this runner's claims. */
  close(): Promise<void>;
}

/** How long close() lets abandoned attempts unwind before giving back the claims regardless. */
const CLOSE_WAIT_MS = 2_000;

const runners = new Set<QueueRunner>();

/** Wakes the runners of this process (new mail queued, or an admin asked to retry). */
export function wakeQueueRunners(): void {
  for (const runner of runners) runner.wake();
}

function message(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export async function startQueueRunner(
  overrides: Partial<QueueSettings> & { autoStart?: boolean } = {},
): Promise<QueueRunner> {
  const releaseOverrides = await holdSettingOverrides();
  // Read again each run, so a lifetime or delay-notice change from the console applies to the next entry.
  let settings = queueSettings(overrides);
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const autoStart = overrides.autoStart !== false;
  const inFlight = new Map<number, Promise<void>>();
  const slots = new DestinationSlots(() => settings.destinationConcurrency);
  const abandon = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let claiming: Promise<number> | null = null;
  let again = false;
  let closed = false;

  const renewer = setInterval(
    () =>
      void renewClaims(workerId, [...inFlight.keys()], settings).catch((error: unknown) =>
        logger.warn('queue claim renewal failed', { error: message(error) }),
      ),
    Math.max(1_000, Math.floor(settings.claimMs / 3)),
  );
  renewer.unref();

  // Entries put off because their destination was busy, so a freed slot can call them back at once.
  const waiting = new Map<string, Set<number>>();
  const recallWaiting = async (): Promise<void> => {
    const due: number[] = [];
    for (const [destination, ids] of waiting) {
      let free = slots.free(destination);
      for (const id of ids) {
        if (free-- <= 0) break;
        ids.delete(id);
        due.push(id);
      }
      if (ids.size === 0) waiting.delete(destination);
    }
    await makeDueNow(due);
  };

  const start = (id: number): void => {
    // "Retry all" may make an entry we are still attempting due again: one attempt at a time.
    if (inFlight.has(id)) return;
    const attempt = processEntry(id, settings, { slots, signal: abandon.signal })
      .then((busy) => {
        for (const destination of busy)
          waiting.set(destination, (waiting.get(destination) ?? new Set()).add(id));
      })
      .catch((error: unknown) => {
        if (error instanceof AttemptAbandoned) return;
        logger.error('queue entry failed', { id, error: message(error) });
      })
      .then(() => (closed ? undefined : recallWaiting()))
      .catch((error: unknown) => logger.warn('queue recall failed', { error: message(error) }))
      .finally(() => {
        inFlight.delete(id);
        if (autoStart) tick();
      });
    inFlight.set(id, attempt);
  };

  /** Claims as many due entries as there is room for and starts them; resolves with how many. */
  const fill = async (): Promise<number> => {
    settings = queueSettings(overrides);
    let started = 0;
    for (;;) {
      const room = Math.min(settings.batchSize, settings.concurrency - inFlight.size);
      if (room <= 0 || closed) return started;
      const ids = await claimDue(workerId, { ...settings, batchSize: room });
      for (const id of ids) start(id);
      started += ids.length;
      if (ids.length < room) return started;
    }
  };

  /** One claim pass at a time in this runner. */
  const fillOnce = async (): Promise<number> => {
    while (claiming) await claiming.catch(() => 0);
    claiming = fill();
    try {
      return await claiming;
    } finally {
      claiming = null;
    }
  };

  const tick = (): void => {
    if (closed) return;
    if (claiming) {
      again = true;
      return;
    }
    clearTimeout(timer);
    void fillOnce()
      .catch((error: unknown) => logger.error('queue run failed', { error: message(error) }))
      .then(() => {
        if (closed) return;
        if (again) {
          again = false;
          setImmediate(tick);
        } else timer = setTimeout(tick, settings.pollMs);
      });
  };

  const runOnce = async (): Promise<number> => {
    let handled = 0;
    for (;;) {
      const started = await fillOnce();
      handled += started;
      if (inFlight.size === 0 && started === 0) return handled;
      if (inFlight.size > 0) await Promise.race(inFlight.values());
    }
  };

  const runner: QueueRunner = {
    workerId,
    runOnce,
    // A runner started with autoStart: false is driven by runOnce alone (tests, one-off runs).
    wake: () => (autoStart ? tick() : undefined),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      clearInterval(renewer);
      runners.delete(runner);
      releaseOverrides();
      abandon.abort();
      await claiming?.catch(() => 0);
      // Abandoned sessions end at once; a database write in progress gets a moment to finish.
      await Promise.race([
        Promise.allSettled(inFlight.values()),
        sleep(CLOSE_WAIT_MS, undefined, { ref: false }),
      ]);
      const released = await releaseClaims(workerId).catch(() => 0);
      if (released > 0) logger.info('queue claims given back', { entries: released });
    },
  };
  runners.add(runner);
  if (autoStart) tick();
  return runner;
}
