// The queue runner the mail worker starts: claims due entries and processes them, every pollMs
// or at once when woken (new mail queued in this process, "retry now" from the console or CLI).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { logger } from '../core/logger';
import { holdSettingOverrides } from '../domain/settings-cache';
import { claimDue } from './claim';
import { processEntry } from './process';
import { queueSettings, type QueueSettings } from './settings';

export interface QueueRunner {
  workerId: string;
  /** Processes what is due now; resolves with the number of entries handled. */
  runOnce(): Promise<number>;
  wake(): void;
  close(): Promise<void>;
}

const runners = new Set<QueueRunner>();

/** Wakes the runners of this process (new mail queued, or an admin asked to retry). */
export function wakeQueueRunners(): void {
  for (const runner of runners) runner.wake();
}

export async function startQueueRunner(
  overrides: Partial<QueueSettings> & { autoStart?: boolean } = {},
): Promise<QueueRunner> {
  const releaseOverrides = await holdSettingOverrides();
  // Read again each run, so a lifetime or delay-notice change from the console applies to the next entry.
  let settings = queueSettings(overrides);
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;
  let again = false;
  let closed = false;

  const runOnce = async (): Promise<number> => {
    let handled = 0;
    settings = queueSettings(overrides);
    for (;;) {
      const ids = await claimDue(workerId, settings);
      for (const id of ids) {
        await processEntry(id, settings).catch((error: unknown) =>
          logger.error('queue entry failed', {
            id,
            error: error instanceof Error ? error.stack : String(error),
          }),
        );
      }
      handled += ids.length;
      if (ids.length < settings.batchSize || closed) return handled;
    }
  };

  const tick = (): void => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = runOnce().catch((error: unknown) => {
      logger.error('queue run failed', { error: error instanceof Error ? error.message : String(error) });
      return 0;
    });
    void running.then(() => {
      running = null;
      if (closed) return;
      if (again) {
        again = false;
        setImmediate(tick);
      } else timer = setTimeout(tick, settings.pollMs);
    });
  };

  const runner: QueueRunner = {
    workerId,
    runOnce: () => (running ? running.then(() => runOnce()) : runOnce()),
    // A runner started with autoStart: false is driven by runOnce alone (tests, one-off runs).
    wake: () => (overrides.autoStart === false ? undefined : tick()),
    async close() {
      closed = true;
      clearTimeout(timer);
      runners.delete(runner);
      releaseOverrides();
      if (running) await running;
    },
  };
  runners.add(runner);
  if (overrides.autoStart !== false) tick();
  return runner;
}
