import { config } from '../../core/config';
import { migrate } from '../../core/migrate';

let migrated = false;

/** CLI commands work on a fresh data directory too: apply pending migrations first (idempotent). */
export async function ensureMigrated(): Promise<void> {
  if (migrated) return;
  await migrate(config().databaseUrl, config().dataDir);
  migrated = true;
}

export async function migrateCommand(): Promise<number> {
  const result = await migrate(config().databaseUrl, config().dataDir, (line) => console.log(line));
  console.log(
    result.applied.length
      ? `${result.applied.length} migration(s) applied`
      : `database is up to date (${result.alreadyApplied} migration(s))`,
  );
  return 0;
}

export async function startCommand(): Promise<number> {
  const { supervise } = await import('../../main');
  return supervise();
}
