// On SQLite one process opens the database file twice: Prisma's connection (the better-sqlite3
// adapter) and the store's raw one (store/raw.ts). Both are synchronous: a statement that needs
// the write lock while another connection holds it waits in SQLite's busy handler, on the main
// thread. When the holder is the other connection of the same process, and its transaction is
// waiting for its next turn of the event loop (its next statement, a file unlink, a timer), that
// turn never comes: the whole process freezes for the busy timeout and the waiter then fails with
// SQLITE_BUSY (Prisma says "Operation has timed out"), again with the next writer, and so on.
// So within a process the two connections take turns here, waiting asynchronously; SQLite's busy
// timeout is left to arbitrate between processes (cluster workers, the console, the CLI), whose
// lock holders keep running while this one waits.
import { AsyncLocalStorage } from 'node:async_hooks';

export type GateHolder = 'prisma' | 'raw';

/** One caller's claim on the gate; the async context it runs in knows it (`scopes`). */
interface Scope {
  readonly label: string;
  readonly parent: Scope | undefined;
}

interface Turn {
  holder: GateHolder;
  scope: Scope | undefined;
}

const scopes = new AsyncLocalStorage<Scope>();

export class SqliteWriteGate {
  private current: Turn | null = null;
  private readonly waiting: { turn: Turn; grant: () => void }[] = [];

  /** Who holds the gate now, if anyone. */
  get heldBy(): GateHolder | null {
    return this.current?.holder ?? null;
  }

  /**
   * Waits for the gate and returns the function that gives it back. A caller that already holds
   * it through its async context (a transaction's own work asking for a second transaction, or a
   * statement outside it) would wait for itself forever: that is refused at once instead.
   */
  async acquire(holder: GateHolder): Promise<() => void> {
    const scope = scopes.getStore();
    for (let outer = scope; outer && this.current; outer = outer.parent)
      if (this.current.scope === outer)
        throw new Error(
          `SQLite write (${holder}) inside the open ${this.current.holder} transaction "${outer.label}" would wait for itself`,
        );
    const turn: Turn = { holder, scope };
    if (this.current) await new Promise<void>((grant) => this.waiting.push({ turn, grant }));
    else this.current = turn;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      this.current = next?.turn ?? null;
      next?.grant();
    };
  }

  /** Runs `work` holding the gate, with the async context marked as its holder. */
  hold<T>(holder: GateHolder, label: string, work: () => Promise<T>): Promise<T> {
    return scopes.run({ label, parent: scopes.getStore() }, async () => {
      const release = await this.acquire(holder);
      try {
        return await work();
      } finally {
        release();
      }
    });
  }
}

/**
 * Marks the async context of a transaction that takes the gate later, from deeper down (Prisma's
 * adapter in `startTransaction`), so that the guard against waiting for itself knows it.
 */
export function inTransactionScope<T>(label: string, work: () => Promise<T>): Promise<T> {
  return scopes.run({ label, parent: scopes.getStore() }, work);
}

const gates = new Map<string, SqliteWriteGate>();

/** The process's gate for one database file (both connections resolve the same path). */
export function sqliteWriteGate(file: string): SqliteWriteGate {
  let gate = gates.get(file);
  if (!gate) {
    gate = new SqliteWriteGate();
    gates.set(file, gate);
  }
  return gate;
}
