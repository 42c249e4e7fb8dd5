// The worker's housekeeping: at start, tighten what an older version left readable in the data
// directory and sweep temporary files of dead writers; then periodically collect unreferenced
// message files and prune the event log, the change feed and old login failures. On MariaDB one
// worker at a time does the periodic part: it holds a named lock (GET_LOCK) on a connection of
// its own for as long as it lives, and another worker takes over when that connection goes.
// On a Galera cluster GET_LOCK is node-local (MariaDB 10.11 with wsrep grants the same name on two
// nodes at once; test/cluster), so each database node's holder runs the periodic part. That is safe,
// not just tolerated: every step deletes in transactions that write the rows they decide on (the
// blob row in store/gc.ts, the pruned rows themselves), and Galera certifies those writes against a
// concurrent writer's on another node; the loser is rolled back with a deadlock error, a writer
// retries (core/write-retry.ts) and a collector just tries again at its next run.
import mariadb from 'mariadb';
import { config } from './core/config';
import { databaseTarget, mariadbOptions } from './core/database-url';
import { tightenDataDir } from './core/data-dir';
import { pruneEvents } from './core/event-retention';
import { logger } from './core/logger';
import { maintenanceSettings, type MaintenanceSettings } from './core/maintenance-settings';
import { pruneFailures } from './auth';
import { sweepStaleTempFiles } from './store/blobs';
import { pruneMailChanges } from './store/change-retention';
import { collectBlobs } from './store/gc';

/** GET_LOCK names are server-wide: one per database, so installs sharing a server do not collide. */
function lockName(database: string): string {
  return `postroom.maintenance.${database}`.slice(0, 64);
}

export interface MaintenanceReport {
  blobsAdopted: number;
  blobsRemoved: number;
  eventsPruned: number;
  changesPruned: number;
}

/** One pass of the periodic part (exported for tests and for running it by hand). */
export async function runMaintenance(
  settings: MaintenanceSettings = maintenanceSettings(),
): Promise<MaintenanceReport> {
  await pruneFailures();
  const eventsPruned = await pruneEvents(settings.eventsRetentionDays);
  const changesPruned = await pruneMailChanges(settings.mailChangesRetentionDays);
  const blobs = await collectBlobs({ orphanGraceMs: settings.orphanGraceMs });
  return { blobsAdopted: blobs.adopted, blobsRemoved: blobs.removed, eventsPruned, changesPruned };
}

/** Once per worker start: private modes for everything in the data directory, stale temp files gone. */
export async function prepareDataDir(settings: MaintenanceSettings = maintenanceSettings()): Promise<void> {
  const dataDir = config().dataDir;
  const tightened = await tightenDataDir(dataDir);
  logger.info('data directory permissions checked', { dataDir, tightened });
  const swept = await sweepStaleTempFiles(settings.orphanGraceMs, dataDir);
  if (swept > 0) logger.info('stale temporary files removed', { count: swept });
}

/** MariaDB: one holder of the maintenance lock among all workers (taken on first success, kept). */
export function maintenanceLock(url: string): { tryHold(): Promise<boolean>; release(): Promise<void> } {
  let held: mariadb.Connection | null = null;
  return {
    async tryHold() {
      if (held) return true;
      const options = mariadbOptions(url);
      const conn = await mariadb.createConnection(options);
      const [row] = (await conn.query('SELECT GET_LOCK(?, 0) AS got', [lockName(options.database)])) as {
        got: number | bigint;
      }[];
      if (Number(row?.got) !== 1) {
        await conn.end().catch(() => {});
        return false;
      }
      // A dropped connection releases the lock on the server: forget it and ask again next time.
      conn.on('error', () => {
        if (held === conn) held = null;
      });
      held = conn;
      return true;
    },
    async release() {
      const conn = held;
      held = null;
      await conn?.end().catch(() => {});
    },
  };
}

export interface Maintenance {
  stop(): void;
}

export function startMaintenance(settings: MaintenanceSettings = maintenanceSettings()): Maintenance {
  const cfg = config();
  const target = databaseTarget(cfg.databaseUrl, cfg.dataDir);
  // SQLite: one file, one host, usually one worker; its single writer makes overlapping runs safe.
  const lock = target.provider === 'mysql' ? maintenanceLock(target.location) : null;
  const mayRun = async () => (lock ? lock.tryHold() : true);
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      if (!(await mayRun())) return;
      const report = await runMaintenance(settings);
      if (Object.values(report).some((count) => count > 0)) logger.info('maintenance done', { ...report });
    } catch (error) {
      logger.warn('maintenance failed', { error: String(error) });
    } finally {
      running = false;
    }
  };
  void prepareDataDir(settings)
    .catch((error: unknown) => logger.warn('data directory check failed', { error: String(error) }))
    .then(tick);
  const timer = setInterval(() => void tick(), settings.intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      void lock?.release();
    },
  };
}
