// Settings of the worker's housekeeping (maintenance.ts) and the free-space watermark, from the
// environment, with defaults that keep what clients and admins need.

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export interface MaintenanceSettings {
  /** Events older than this are deleted (the dashboard charts read 30 days). */
  eventsRetentionDays: number;
  /** Change-feed rows older than this are pruned (older QRESYNC requests get a full answer). */
  mailChangesRetentionDays: number;
  /** How often one worker collects blobs and prunes the tables. */
  intervalMs: number;
  /** Message files with no database row and temporary files are left alone while younger. */
  orphanGraceMs: number;
  /** POSTROOM_MIN_FREE_DISK as given ('' = 1 GiB or 5 % of the filesystem, the smaller). */
  minFreeDisk: string;
}

export function maintenanceSettings(): MaintenanceSettings {
  return {
    eventsRetentionDays: positiveNumber('POSTROOM_EVENTS_RETENTION_DAYS', 90),
    mailChangesRetentionDays: positiveNumber('POSTROOM_MAIL_CHANGES_RETENTION_DAYS', 30),
    intervalMs: positiveNumber('POSTROOM_MAINTENANCE_INTERVAL_SECONDS', 3600) * 1000,
    orphanGraceMs: positiveNumber('POSTROOM_BLOB_GRACE_MINUTES', 60) * 60_000,
    minFreeDisk: process.env.POSTROOM_MIN_FREE_DISK ?? '',
  };
}
