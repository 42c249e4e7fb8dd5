// Prisma's better-sqlite3 adapter made to take turns with the store's raw connection through the
// process's SQLite write gate (sqlite-write-gate.ts, which says why): a Prisma transaction holds
// the gate from BEGIN to COMMIT/ROLLBACK; a statement outside a transaction waits while the raw
// connection holds it. Statements outside a transaction while a Prisma one is open run at once,
// as the adapter always did: they share its single connection, and making them wait would make a
// transaction's work that calls `db()` wait for itself.
//
// The adapter opens a transaction with a plain (deferred) BEGIN. A deferred transaction that reads
// and then writes, while another process writes, fails at its first write with
// SQLITE_BUSY_SNAPSHOT at once, whatever the busy timeout: its snapshot is stale. Several processes
// (POSTROOM_WORKERS children, the CLI) then retry into each other until the retries run out (seen
// with two processes ending queue entries). So the write lock is taken first, as BEGIN IMMEDIATE
// would: a write that matches no row takes it, waiting out the busy timeout like any writer.
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqliteWriteGate } from './sqlite-write-gate';

type Adapter = Awaited<ReturnType<PrismaBetterSqlite3['connect']>>;
type AdapterTransaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/** Calls on `target` go to it (bound, so its private fields work), except those in `overrides`. */
function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

// A write that matches no row: it takes SQLite's write lock and changes nothing.
const TAKE_WRITE_LOCK = { sql: 'DELETE FROM "domains" WHERE 0', args: [], argTypes: [] };

function gatedAdapter(adapter: Adapter, gate: SqliteWriteGate): Adapter {
  const outsideTransaction = async <T>(run: () => Promise<T>): Promise<T> => {
    if (gate.heldBy !== 'raw') return run();
    const release = await gate.acquire('prisma');
    try {
      return await run();
    } finally {
      release();
    }
  };
  return delegate(adapter, {
    queryRaw: (query) => outsideTransaction(() => adapter.queryRaw(query)),
    executeRaw: (query) => outsideTransaction(() => adapter.executeRaw(query)),
    executeScript: (script) => outsideTransaction(() => adapter.executeScript(script)),
    async startTransaction(isolationLevel) {
      const release = await gate.acquire('prisma');
      let transaction: AdapterTransaction;
      try {
        transaction = await adapter.startTransaction(isolationLevel);
      } catch (error) {
        release();
        throw error;
      }
      try {
        await transaction.executeRaw(TAKE_WRITE_LOCK);
      } catch (error) {
        await transaction.executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] }).catch(() => {});
        await transaction.rollback().catch(() => {});
        release();
        throw error;
      }
      // Prisma sends COMMIT or ROLLBACK as a statement first, then calls these.
      const finish = (end: () => Promise<void>) => async () => {
        try {
          await end();
        } finally {
          release();
        }
      };
      return delegate(transaction, {
        commit: finish(() => transaction.commit()),
        rollback: finish(() => transaction.rollback()),
      });
    },
  });
}

/** `factory` whose connections take turns with the raw store connection through `gate`. */
export function gateSqliteAdapter(factory: PrismaBetterSqlite3, gate: SqliteWriteGate): PrismaBetterSqlite3 {
  return delegate(factory, {
    connect: async () => gatedAdapter(await factory.connect(), gate),
    connectToShadowDb: async () => gatedAdapter(await factory.connectToShadowDb(), gate),
  });
}
