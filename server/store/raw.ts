// A plain SQL path for the store's hot writes (delivery, APPEND): Prisma's interactive
// transactions cost several times the SQL itself, and delivery runs once per message. Only the
// store uses this, with values written exactly as Prisma writes them, so Prisma reads them back.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import Database from 'better-sqlite3';
import mariadb from 'mariadb';
import { config } from '../core/config';
import { databaseTarget, mariadbOptions } from '../core/database-url';
import { onCloseDb } from '../core/db';
import { isRetryableWriteError, withWriteRetry } from '../core/write-retry';
import { sqliteWriteGate } from '../core/sqlite-write-gate';
import { commitSignal, type CommitSignal } from './sqlite-commit-signal';

export type SqlValue = string | number | bigint | boolean | null | Buffer;

/**
 * A transaction that may have committed: running it again could store its rows twice, so no caller
 * retries it as if nothing had happened (the client is told to try later instead).
 */
export class UncertainCommitError extends Error {
  constructor(
    message: string,
    readonly cause: unknown,
  ) {
    super(message);
    this.name = 'UncertainCommitError';
  }
}

/**
 * The transaction committed but its WAL could not be fsynced (SQLite): it may or may not survive a
 * power cut.
 */
export class DurabilityError extends UncertainCommitError {
  constructor(cause: unknown) {
    super(`committed, but the write-ahead log could not be synced: ${String(cause)}`, cause);
    this.name = 'DurabilityError';
  }
}

/**
 * Group fsync of a SQLite WAL file, off the event loop. With synchronous=FULL every COMMIT fsyncs
 * the WAL inside better-sqlite3, a synchronous call: the whole process (every SMTP and IMAP
 * session in it) stood still for each fsync, and appends arriving meanwhile could not even queue
 * for the next group commit. With synchronous=NORMAL the COMMIT only writes the WAL frames (a crash
 * of the process loses nothing: they are in the page cache); this fdatasyncs the WAL in the thread
 * pool before the transaction returns, so a commit is on disk before anyone is answered, as
 * before. Commits waiting at once share one fsync: a sync already running may have started before
 * a commit's frames were written, so later commits wait for the next one, which covers them all.
 * SQLite itself still syncs the WAL before a checkpoint copies it into the database, and the
 * database after, and removes the WAL only when the last connection closes (never while this one
 * is open), so the file synced here is the one the commit went to.
 */
function walSyncer(walPath: string) {
  let handle: Promise<FileHandle> | null = null;
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const syncOnce = async () => {
    try {
      handle ??= fs.open(walPath, 'r+');
      await (await handle).datasync();
    } catch (error) {
      const opened = handle;
      handle = null;
      void opened?.then((h) => h.close()).catch(() => {});
      // No WAL: it was checkpointed and removed (synced by SQLite then), nothing is left to sync.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };
  const sync = (): Promise<void> => {
    if (!running) {
      running = syncOnce().finally(() => {
        running = null;
      });
      return running;
    }
    next ??= running
      .catch(() => {})
      .then(() => {
        next = null;
        return sync();
      });
    return next;
  };
  return {
    sync,
    close: async () => {
      const opened = handle;
      handle = null;
      await opened?.then((h) => h.close()).catch(() => {});
    },
  };
}

/**
 * Statements of one transaction. Calls made without waiting for the previous one run in call
 * order: on MariaDB they are pipelined on the transaction's connection (one round trip for the
 * lot), on SQLite each runs when called. Pipeline only statements whose inputs are known; a failed
 * one fails the transaction (rolled back) whatever the others did.
 */
export interface RawTx {
  run(sql: string, params?: SqlValue[]): Promise<void>;
  all<T>(sql: string, params?: SqlValue[]): Promise<T[]>;
}

export interface RawDb {
  provider: 'mysql' | 'sqlite';
  /**
   * Runs `work` in one transaction; serialised per process on SQLite, pooled on MariaDB. A lock
   * conflict runs it again (core/write-retry.ts), so `work` must have no effect outside `tx`.
   */
  transaction<T>(work: (tx: RawTx) => Promise<T>, label?: string): Promise<T>;
  /**
   * One write statement on its own, retried on a lock conflict like `transaction`; the rows it
   * returns (INSERT ... RETURNING) or none. On MariaDB an autocommit statement: one round trip
   * instead of three (START TRANSACTION, the statement, COMMIT). Added for the login path.
   */
  write<T>(sql: string, params?: SqlValue[], label?: string): Promise<T[]>;
  /** `write` for an UPDATE or DELETE: how many rows it matched (compare-and-set). */
  update(sql: string, params?: SqlValue[], label?: string): Promise<number>;
  /**
   * One read outside any transaction, for hot read paths (SELECT, FETCH). It never sees another
   * transaction's uncommitted rows: SQLite reads on its own connection (WAL readers), MariaDB on
   * a pooled one. DATETIME columns come back as they are stored (strings), see `parseStoredDate`.
   */
  read<T>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** `read` with each row as an array of its columns in SELECT order: no per-row object to build. */
  readArrays(sql: string, params?: SqlValue[]): Promise<unknown[][]>;
  /**
   * `read` for small, hot lookups (a folder by name, a folder's counters on SELECT), answered from
   * memory while the database is unchanged. SQLite says so exactly and cheaply: the WAL-index
   * header changes with every commit by any connection, in any process (sqlite-commit-signal.ts).
   * MariaDB has no such signal, so there it is a plain read. The rows are shared: do not mutate.
   */
  readCached<T>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** A DATETIME value in the form Prisma stores for this provider. */
  date(value: Date): string;
  close(): Promise<void>;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function mysqlDate(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`;
}

function sqliteDate(date: Date): string {
  return date.toISOString().replace(/Z$/, '+00:00');
}

/** Connections kept open for single reads, beside the pool (see `directReads`). */
const DIRECT_READERS = 2;

/**
 * Single reads over a few connections held open rather than through the pool: checking a pooled
 * connection out and back in costs about as much as a loopback round trip (bench/imap.ts SELECT).
 * A connection is used only while it has nothing in flight, so a slow query never queues another
 * behind it; when all are busy the read goes to the pool.
 */
function directReads(options: mariadb.ConnectionConfig, pool: mariadb.Pool) {
  const slots = Array.from({ length: DIRECT_READERS }, () => ({
    busy: false,
    conn: null as Promise<mariadb.Connection> | null,
  }));
  type Slot = (typeof slots)[number];
  function connect(slot: Slot): Promise<mariadb.Connection> {
    const opening = mariadb.createConnection(options);
    // An idle connection closed by the server (restart, wait_timeout) says so with an 'error'
    // event: without a listener that would end the process. It is dropped and reopened on use.
    void opening
      .then((conn) =>
        conn.on('error', () => {
          if (slot.conn === opening) slot.conn = null;
        }),
      )
      .catch(() => {});
    return opening;
  }
  async function read<T>(sql: string, params: SqlValue[] = [], rowsAsArray = false): Promise<T[]> {
    const slot = slots.find((candidate) => !candidate.busy);
    if (!slot) return (await pool.query({ sql, dateStrings: true, rowsAsArray }, params)) as T[];
    slot.busy = true;
    const query = async () => {
      slot.conn ??= connect(slot);
      return (await (await slot.conn).query({ sql, dateStrings: true, rowsAsArray }, params)) as T[];
    };
    try {
      return await query();
    } catch (error) {
      if ((error as { fatal?: boolean }).fatal === false) throw error; // the query's own fault
      // A dead connection (server restart, wait_timeout, KILL): replaced, and the read tried again.
      void slot.conn?.then((conn) => conn.destroy()).catch(() => {});
      slot.conn = null;
      return await query();
    } finally {
      slot.busy = false;
    }
  }
  async function close(): Promise<void> {
    await Promise.all(slots.map(async (slot) => (await slot.conn?.catch(() => null))?.end().catch(() => {})));
  }
  return { read, close };
}

function openMysql(url: string): RawDb {
  const options = { ...mariadbOptions(url), bigIntAsNumber: false, insertIdAsNumber: true };
  const pool = mariadb.createPool({ ...options, connectionLimit: 8 });
  const direct = directReads(options, pool);
  const read = <T>(sql: string, params?: SqlValue[]) => direct.read<T>(sql, params);
  async function mysqlTransaction<T>(work: (tx: RawTx) => Promise<T>): Promise<T> {
    const conn = await pool.getConnection();
    // `autocommit = 0` rather than START TRANSACTION, because statements are pipelined: when one
    // fails with a deadlock (1213, or a Galera brute-force abort) MariaDB rolls the transaction
    // back, and with START TRANSACTION the statements already sent behind it would then each run
    // and commit on their own; a retry stored a message twice that way. With autocommit off they
    // open a new transaction instead, which the rollback below discards.
    // Not waited for: it goes out with the work's first statement, one round trip fewer. It fails
    // only with its connection, which then runs nothing after it; its error is the one thrown.
    const begun = conn.query('SET autocommit = 0');
    begun.catch(() => {});
    const query = async (sql: string, params: SqlValue[]): Promise<unknown> => {
      const result = conn.query(sql, params);
      result.catch(() => {});
      await begun;
      return await result;
    };
    // COMMIT or ROLLBACK, then autocommit back on for the pool's single statements, both sent at
    // once (turning it on first would commit what is open). A connection that cannot is dropped.
    let restored: Promise<boolean> | undefined;
    const end = (sql: 'COMMIT' | 'ROLLBACK') => {
      const ended = conn.query(sql);
      restored = conn.query('SET autocommit = 1').then(
        () => true,
        () => false,
      );
      return ended;
    };
    try {
      const tx: RawTx = {
        run: async (sql, params = []) => void (await query(sql, params)),
        all: async <T>(sql: string, params: SqlValue[] = []) => (await query(sql, params)) as T[],
      };
      const result = await work(tx);
      await begun;
      await end('COMMIT').catch((error: unknown) => {
        // A conflict reported at COMMIT (Galera certification, 1213/1180) rolled everything back;
        // a connection lost during COMMIT (its database node killed) leaves the outcome unknown:
        // on Galera the write set may already be on the other nodes.
        if (isRetryableWriteError(error)) throw error;
        throw new UncertainCommitError(`the commit's outcome is unknown: ${String(error)}`, error);
      });
      return result;
    } catch (error) {
      if (!restored) await end('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      if (await (restored ?? false)) await conn.release();
      else await conn.destroy();
    }
  }
  return {
    provider: 'mysql',
    transaction: (work, label = 'raw') => withWriteRetry(label, () => mysqlTransaction(work)),
    write: <T>(sql: string, params: SqlValue[] = [], label = 'raw') =>
      withWriteRetry(label, async () => {
        const result: unknown = await pool.query(sql, params);
        return (Array.isArray(result) ? result : []) as T[];
      }),
    update: (sql: string, params: SqlValue[] = [], label = 'raw') =>
      withWriteRetry(label, async () => {
        // The connector's foundRows (on by default): rows matched, not only those changed.
        const result = (await pool.query(sql, params)) as { affectedRows?: number };
        return Number(result.affectedRows ?? 0);
      }),
    read,
    readArrays: (sql, params) => direct.read<unknown[]>(sql, params, true),
    readCached: read,
    date: mysqlDate,
    close: async () => {
      await direct.close();
      await pool.end();
    },
  };
}

const STATEMENT_CACHE = 256;
const READ_CACHE = 4096;

function openSqlite(file: string): RawDb {
  const conn = new Database(file, { timeout: 10_000 });
  conn.pragma('journal_mode = WAL');
  // Durable all the same: every transaction's WAL is fsynced before it returns (walSyncer).
  conn.pragma('synchronous = NORMAL');
  const wal = walSyncer(`${file}-wal`);
  // Reads go through a second connection: the writer's may be inside an open transaction.
  let reader: Database.Database | undefined;
  const statements = new Map<string, Database.Statement>();
  let signal: CommitSignal | undefined;
  // Raw mode (rows as arrays) is a statement's setting, so such statements are cached apart.
  const readStatement = (sql: string, asArrays = false) => {
    if (!reader) {
      reader = new Database(file, { timeout: 10_000, readonly: true });
      // A small page cache: after any commit elsewhere SQLite drops this connection's whole cache
      // on its next read, and with the default 2 MiB held after a large FETCH that cost the next
      // small lookup (SELECT's) 0.3-0.6 ms instead of 0.05. Scans are served from the OS page cache.
      reader.pragma('cache_size = -1024');
      const versionStatement = reader.prepare('PRAGMA data_version').pluck();
      signal = commitSignal(file, () => versionStatement.get() as number);
    }
    const key = asArrays ? `\u0001${sql}` : sql;
    let statement = statements.get(key);
    if (statement) {
      statements.delete(key); // re-inserted last: the map's order is least recently used first
    } else {
      // FETCH and SEARCH build many shapes of SQL; evicting one at a time keeps the hot ones.
      if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      statement = asArrays ? reader.prepare(sql).raw(true) : reader.prepare(sql);
    }
    statements.set(key, statement);
    return statement;
  };
  let cachedAt: string | number = -1;
  const cached = new Map<string, unknown[]>();
  // Serialised with this process's other writers, Prisma's connection included (the gate says why).
  const gate = sqliteWriteGate(file);
  const bind = (params: SqlValue[]) =>
    params.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
  // The writer's statements are kept too: preparing the wide INSERTs of a delivery again for every
  // transaction was a visible share of its CPU.
  const writeStatements = new Map<string, Database.Statement>();
  const writeStatement = (sql: string) => {
    let statement = writeStatements.get(sql);
    if (statement) return statement;
    if (writeStatements.size >= STATEMENT_CACHE) writeStatements.delete(writeStatements.keys().next().value!);
    statement = conn.prepare(sql);
    writeStatements.set(sql, statement);
    return statement;
  };
  const tx: RawTx = {
    run: async (sql, params = []) => void writeStatement(sql).run(...bind(params)),
    all: async <T>(sql: string, params: SqlValue[] = []) => writeStatement(sql).all(...bind(params)) as T[],
  };
  function sqliteTransaction<T>(work: (tx: RawTx) => Promise<T>, label: string): Promise<T> {
    return gate.hold('raw', label, async () => {
      conn.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        conn.exec('COMMIT');
        return result;
      } catch (error) {
        if (conn.inTransaction) conn.exec('ROLLBACK');
        throw error;
      }
    });
  }
  return {
    provider: 'sqlite',
    // Retried outside the per-process queue: a busy database must not hold up the queue's others.
    transaction: async (work, label = 'raw') => {
      const result = await withWriteRetry(label, () => sqliteTransaction(work, label));
      await wal.sync().catch((error: unknown) => {
        throw new DurabilityError(error);
      });
      return result;
    },
    write<T>(sql: string, params: SqlValue[] = [], label = 'raw') {
      return this.transaction(async () => {
        const statement = writeStatement(sql);
        if (statement.reader) return statement.all(...bind(params)) as T[];
        statement.run(...bind(params));
        return [];
      }, label);
    },
    update(sql: string, params: SqlValue[] = [], label = 'raw') {
      return this.transaction(async () => writeStatement(sql).run(...bind(params)).changes, label);
    },
    read: async <T>(sql: string, params: SqlValue[] = []) => readStatement(sql).all(...bind(params)) as T[],
    readArrays: async (sql, params = []) => readStatement(sql, true).all(...bind(params)) as unknown[][],
    readCached: async <T>(sql: string, params: SqlValue[] = []) => {
      if (!signal) readStatement('SELECT 1');
      const version = signal!.read();
      if (version !== cachedAt) {
        cached.clear();
        cachedAt = version;
      }
      const key = `${sql}\u0000${params.join('\u0000')}`;
      let rows = cached.get(key);
      if (!rows) {
        rows = readStatement(sql).all(...bind(params));
        if (cached.size >= READ_CACHE) cached.clear();
        cached.set(key, rows);
      }
      return rows as T[];
    },
    date: sqliteDate,
    close: async () => {
      signal?.close();
      reader?.close();
      conn.close();
      await wal.close();
    },
  };
}

/** A DATETIME as `read` returns it: MariaDB 'YYYY-MM-DD hh:mm:ss.fff' (UTC, as Prisma writes it) or SQLite ISO text / epoch ms. */
export function parseStoredDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  const text = String(value);
  return new Date(/^\d{4}-\d\d-\d\d \d/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

let opened: { key: string; raw: RawDb; settings: readonly [string | undefined, string] } | undefined;

/** The process-wide raw connection for the configured database (reopened if the config changed). */
export function rawDb(): RawDb {
  const { databaseUrl, dataDir } = config();
  // Called on every hot read: the target is resolved again only when the settings change.
  if (opened && opened.settings[0] === databaseUrl && opened.settings[1] === dataDir) return opened.raw;
  const target = databaseTarget(databaseUrl, dataDir);
  const key = `${target.provider}:${target.location}`;
  if (!opened || opened.key !== key) {
    if (opened) void opened.raw.close();
    opened = {
      key,
      settings: [databaseUrl, dataDir],
      raw: target.provider === 'mysql' ? openMysql(target.location) : openSqlite(target.location),
    };
    onCloseDb(closeRawDb);
  }
  opened.settings = [databaseUrl, dataDir];
  return opened.raw;
}

export async function closeRawDb(): Promise<void> {
  if (opened) await opened.raw.close();
  opened = undefined;
}
