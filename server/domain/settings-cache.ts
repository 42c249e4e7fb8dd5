// The overrides as the mail worker sees them: a synchronous snapshot (smtpSettings() and
// queueSettings() are synchronous) refreshed from the database every few seconds while anything
// holds it, so a change made in the console reaches the next connection or message.
import { logger } from '../core/logger';
import { loadSettingOverrides, type SettingOverrides } from './settings';

const REFRESH_MS = 10_000;

let snapshot: SettingOverrides = {};
let holders = 0;
let timer: NodeJS.Timeout | undefined;
const listeners = new Set<() => void>();

/** The last loaded overrides ({} before the first load). */
export function settingOverrides(): SettingOverrides {
  return snapshot;
}

/** Reloads from the database and tells listeners when anything changed. */
export async function refreshSettingOverrides(): Promise<SettingOverrides> {
  const next = await loadSettingOverrides();
  const changed = JSON.stringify(next) !== JSON.stringify(snapshot);
  snapshot = next;
  if (changed) {
    logger.info('setting overrides loaded', { overrides: next });
    for (const listener of listeners) listener();
  }
  return snapshot;
}

/** Called after every refresh that changed something. Returns the unsubscribe function. */
export function onSettingOverridesChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Loads now and keeps refreshing until every holder has released. A failed refresh keeps the
 * last snapshot (the database may be briefly away).
 */
export async function holdSettingOverrides(refreshMs = REFRESH_MS): Promise<() => void> {
  holders += 1;
  if (!timer) {
    timer = setInterval(
      () =>
        void refreshSettingOverrides().catch((error: unknown) =>
          logger.warn('setting overrides refresh failed', { error: String(error) }),
        ),
      refreshMs,
    );
    timer.unref();
  }
  await refreshSettingOverrides().catch((error: unknown) =>
    logger.warn('setting overrides load failed', { error: String(error) }),
  );
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
