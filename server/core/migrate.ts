// Applies prisma/<provider>/migrations in name order and records each one in `_prisma_migrations`
// exactly as `prisma migrate deploy` does, so Prisma's own engine accepts the database later:
// checksum = hex SHA-256 of the file, row inserted before the script runs, finished_at and
// applied_steps_count set after, `logs` on failure, and an unfinished row blocks later runs.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { databaseTarget, mariadbOptions, type Provider } from './database-url';
import { projectRoot } from './project-root';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationsFor(provider: Provider): Migration[] {
  const dir = join(projectRoot, 'prisma', provider, 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      return {
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    });
}

/** Splits a migration script into statements (no procedures or string-embedded semicolons here). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}

interface MigrationDriver {
  ensureTable(): Promise<void>;
  applied(): Promise<{ migration_name: string; checksum: string; finished_at: unknown }[]>;
  /**
   * Inserts the migration's row; returns the row's id, or null when another Galera node applied
   * this migration meanwhile (it has been waited for).
   */
  begin(id: string, migration: Migration): Promise<string | null>;
  run(statement: string): Promise<void>;
  finish(id: string): Promise<void>;
  fail(id: string, logs: string): Promise<void>;
  close(): Promise<void>;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(
  databaseUrl: string | undefined,
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<MigrateResult> {
  const target = databaseTarget(databaseUrl, dataDir);
  const driver =
    target.provider === 'mysql' ? await mysqlDriver(target.location) : await sqliteDriver(target.location);
  try {
    await driver.ensureTable();
    const done = await driver.applied();
    const unfinished = done.find((row) => !row.finished_at);
    if (unfinished) {
      throw new Error(
        `migration ${unfinished.migration_name} failed earlier and blocks the others (Prisma P3009); fix it and delete its row from _prisma_migrations`,
      );
    }
    const doneNames = new Map(done.map((row) => [row.migration_name, row.checksum]));
    const result: MigrateResult = { applied: [], alreadyApplied: 0 };
    for (const migration of migrationsFor(target.provider)) {
      if (doneNames.has(migration.name)) {
        result.alreadyApplied++;
        continue;
      }
      const id = await driver.begin(randomUUID(), migration);
      if (id === null) {
        result.alreadyApplied++;
        continue;
      }
      try {
        for (const statement of splitStatements(migration.sql)) await driver.run(statement);
      } catch (error) {
        await driver.fail(id, String(error instanceof Error ? error.message : error));
        throw new Error(
          `migration ${migration.name} failed: ${error instanceof Error ? error.message : error}`,
        );
      }
      await driver.finish(id);
      log(`applied migration ${migration.name}`);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await driver.close();
  }
}

/** How long a Galera node waits for another node's migration (a large ALTER can take a while). */
const GALERA_WAIT_MS = 5 * 60_000;

/** A migration's row id on Galera: the same on every node, in the UUID shape Prisma writes. */
function galeraRowId(name: string): string {
  const hex = createHash('sha256').update(`postroom-migration:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// Each driver is loaded for its own provider only: the supervisor keeps what it imports for its life.
async function mysqlDriver(url: string): Promise<MigrationDriver> {
  const { default: mariadb } = await import('mariadb');
  const conn = await mariadb.createConnection({ ...mariadbOptions(url), dateStrings: false });
  // Prisma takes this named lock while migrating; two starting workers must not race either.
  await conn.query("SELECT GET_LOCK('prisma_migrate', 60)");
  // On a Galera cluster that lock is node-local (MariaDB 10.11 with wsrep grants it on two nodes at
  // once), so two nodes starting together would both run the same DDL. There, the row of a
  // migration gets an id derived from its name: the second node's INSERT of it fails (duplicate
  // key, or a certification deadlock at commit) and that node waits for the first to finish it.
  const [wsrep] = (await conn.query("SHOW VARIABLES LIKE 'wsrep_on'")) as { Value?: string }[];
  const galera = wsrep?.Value === 'ON';
  return {
    async ensureTable() {
      await conn.query(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
        id VARCHAR(36) NOT NULL PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at DATETIME(3) NULL,
        migration_name VARCHAR(255) NOT NULL, logs TEXT NULL, rolled_back_at DATETIME(3) NULL,
        started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), applied_steps_count INT UNSIGNED NOT NULL DEFAULT 0
      ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    },
    async applied() {
      // On Galera a row unfinished and without logs is another node still migrating (a failed one
      // has logs): wait for it rather than take it for a failure. Its row can also appear only
      // after this read; begin() then waits for it.
      for (let waited = 0; ; waited += 500) {
        const rows = (await conn.query(
          'SELECT migration_name, checksum, finished_at, logs FROM _prisma_migrations WHERE rolled_back_at IS NULL ORDER BY started_at',
        )) as { migration_name: string; checksum: string; finished_at: unknown; logs: string | null }[];
        const migrating = rows.some((row) => !row.finished_at && row.logs === null);
        if (!galera || !migrating || waited >= GALERA_WAIT_MS) return rows;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    async begin(id, migration) {
      const insert = (rowId: string) =>
        conn.query(
          'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES (?, ?, CURRENT_TIMESTAMP(3), ?)',
          [rowId, migration.checksum, migration.name],
        );
      if (!galera) {
        await insert(id);
        return id;
      }
      try {
        await insert(galeraRowId(migration.name));
        return galeraRowId(migration.name);
      } catch (error) {
        const errno = (error as { errno?: number }).errno;
        if (errno !== 1062 && errno !== 1213) throw error;
      }
      // Another node holds the row (it may not have reached this node yet): wait for its outcome.
      for (let waited = 0; waited < GALERA_WAIT_MS; waited += 500) {
        const [row] = (await conn.query(
          'SELECT finished_at, logs, rolled_back_at FROM _prisma_migrations WHERE id = ?',
          [galeraRowId(migration.name)],
        )) as { finished_at: unknown; logs: string | null; rolled_back_at: unknown }[];
        if (row?.rolled_back_at) {
          // An old row of this name marked rolled back: this run is a new attempt of its own.
          await insert(id);
          return id;
        }
        if (row?.finished_at) return null;
        if (row?.logs)
          throw new Error(`migration ${migration.name} failed on another database node: ${row.logs}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(
        `migration ${migration.name} is being applied by another database node and did not finish`,
      );
    },
    async run(statement) {
      await conn.query(statement);
    },
    async finish(id) {
      await conn.query(
        'UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = 1 WHERE id = ?',
        [id],
      );
    },
    async fail(id, logs) {
      await conn.query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [logs, id]);
    },
    async close() {
      await conn.query("SELECT RELEASE_LOCK('prisma_migrate')");
      await conn.end();
    },
  };
}

async function sqliteDriver(file: string): Promise<MigrationDriver> {
  const { default: Database } = await import('better-sqlite3');
  if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true });
  const conn = new Database(file, { timeout: 10_000 });
  conn.pragma('journal_mode = WAL');
  return {
    async ensureTable() {
      conn.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
        "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
        "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
    },
    async applied() {
      return conn
        .prepare(
          'SELECT migration_name, checksum, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL ORDER BY started_at',
        )
        .all() as {
        migration_name: string;
        checksum: string;
        finished_at: unknown;
      }[];
    },
    async begin(id, migration) {
      conn
        .prepare(
          'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES (?, ?, ?, ?)',
        )
        .run(id, migration.checksum, Date.now(), migration.name);
      return id;
    },
    async run(statement) {
      conn.exec(statement);
    },
    async finish(id) {
      conn
        .prepare('UPDATE _prisma_migrations SET finished_at = ?, applied_steps_count = 1 WHERE id = ?')
        .run(Date.now(), id);
    },
    async fail(id, logs) {
      conn.prepare('UPDATE _prisma_migrations SET logs = ? WHERE id = ?').run(logs, id);
    },
    async close() {
      conn.close();
    },
  };
}
