// Publishes one node's open-connection counts to connection_counts and reads the other nodes'
// (the rules are in node-counts.ts). MariaDB only: SQLite is one node. Its own small pool of the
// plain mariadb driver, as the cluster primary has no Prisma client (and keeps its memory small).
// Nothing here can hold up a connection: the ledger only looks at the last counts read, and when
// the database fails it is told nothing is open elsewhere (this node's own counts still hold),
// logged once until it works again.
import mariadb from 'mariadb';
import { config } from '../core/config';
import { databaseTarget, mariadbOptions } from '../core/database-url';
import { logger } from '../core/logger';
import { type CounterLedger, slotOf, splitSlot } from './counter-ledger';
import {
  type CountRow,
  countChanges,
  nodeId,
  otherNodesOpen,
  PUBLISH_DELAY_MS,
  READ_INTERVAL_MS,
  REFRESH_INTERVAL_MS,
  SWEEP_AFTER_MS,
} from './node-counts';

/** Rows per INSERT: a node with many client addresses open writes them in a few statements. */
const BATCH = 500;
const TIMEOUT_MS = 3_000;
/** What a stopping node gives to deleting its rows. */
const STOP_WAIT_MS = 1_000;

export interface NodeCounts {
  readonly node: string;
  /** Deletes this node's rows (the others count its connections no longer) and closes the pool. */
  stop(): Promise<void>;
}

/** Shares `ledger`'s counts with the other nodes on the database; null on SQLite. */
export function shareCountsAcrossNodes(ledger: CounterLedger): NodeCounts | null {
  const { databaseUrl, dataDir } = config();
  const target = databaseTarget(databaseUrl, dataDir);
  if (target.provider !== 'mysql') return null;
  const node = nodeId(dataDir);
  const pool = mariadb.createPool({
    ...mariadbOptions(target.location),
    connectionLimit: 2,
    connectTimeout: TIMEOUT_MS,
    acquireTimeout: TIMEOUT_MS,
    queryTimeout: TIMEOUT_MS,
  });
  // A connection the pool fails to open is also reported as an event (missing from the driver's
  // types): unheard, it would end the process.
  (pool as unknown as NodeJS.EventEmitter).on('error', (error: unknown) => failed('connect', error));
  let elsewhere = new Map<string, number>();
  let published = new Map<string, number>();
  // Until the first write: the rows a previous run of this node left are deleted first.
  let resync = true;
  let publishTimer: NodeJS.Timeout | undefined;
  let publishing: Promise<void> | undefined;
  let again = false;
  let reading = false;
  let failing = false;
  let stopped = false;

  const failed = (what: string, error: unknown) => {
    if (stopped || failing) return;
    failing = true;
    logger.warn('cross-node connection counts unavailable; counting this node only', {
      what,
      error: String(error),
    });
  };
  const worked = () => {
    if (!failing) return;
    failing = false;
    logger.info('cross-node connection counts available again');
  };

  const write = async (refresh: boolean) => {
    const now = new Map(ledger.snapshot());
    const changes = countChanges(resync ? new Map() : published, now);
    const set = refresh || resync ? [...now] : changes.set;
    if (resync) await pool.query('DELETE FROM connection_counts WHERE node_id = ?', [node]);
    else if (changes.remove.length > 0) {
      for (let at = 0; at < changes.remove.length; at += BATCH) {
        const part = changes.remove.slice(at, at + BATCH).map(splitSlot);
        await pool.query(
          `DELETE FROM connection_counts WHERE node_id = ? AND (counter, count_key) IN (${part.map(() => '(?, ?)').join(', ')})`,
          [node, ...part.flatMap((slot) => [slot.name, slot.key])],
        );
      }
    }
    for (let at = 0; at < set.length; at += BATCH) {
      const part = set.slice(at, at + BATCH);
      await pool.query(
        `INSERT INTO connection_counts (node_id, counter, count_key, open_count, updated_at) VALUES ${part.map(() => '(?, ?, ?, ?, NOW(3))').join(', ')} ON DUPLICATE KEY UPDATE open_count = VALUES(open_count), updated_at = VALUES(updated_at)`,
        part.flatMap(([slot, open]) => {
          const { name, key } = splitSlot(slot);
          return [node, name, key, open];
        }),
      );
    }
    published = now;
    resync = false;
  };

  const publish = (refresh = false): Promise<void> => {
    if (publishing) {
      again = true;
      return publishing;
    }
    publishing = write(refresh)
      .then(worked, (error: unknown) => {
        // Which statements took effect is unknown: the next write starts from scratch.
        resync = true;
        failed('publish', error);
      })
      .finally(() => {
        publishing = undefined;
        if (again && !stopped) {
          again = false;
          schedule();
        }
      });
    return publishing;
  };
  const schedule = () => {
    if (publishTimer || stopped) return;
    publishTimer = setTimeout(() => {
      publishTimer = undefined;
      void publish();
    }, PUBLISH_DELAY_MS);
    publishTimer.unref();
  };

  const read = async () => {
    if (reading) return;
    reading = true;
    try {
      const rows = (await pool.query(
        'SELECT node_id, counter, count_key, open_count, TIMESTAMPDIFF(MICROSECOND, updated_at, NOW(3)) AS age_us FROM connection_counts WHERE node_id <> ?',
        [node],
      )) as {
        node_id: string;
        counter: string;
        count_key: string;
        open_count: number;
        age_us: number | bigint;
      }[];
      const counted: CountRow[] = rows.map((row) => ({
        node: row.node_id,
        counter: row.counter,
        key: row.count_key,
        open: Number(row.open_count),
        ageMs: Number(row.age_us) / 1000,
      }));
      elsewhere = otherNodesOpen(counted, node, slotOf);
      worked();
    } catch (error) {
      elsewhere = new Map(); // fall back to this node's own counts
      failed('read', error);
    } finally {
      reading = false;
    }
  };

  // Rows of nodes gone for good (another host name, a removed node). Several nodes may sweep at
  // once: a Galera conflict between them is harmless, so no error is reported.
  const sweep = () =>
    pool
      .query('DELETE FROM connection_counts WHERE updated_at < NOW(3) - INTERVAL ? SECOND', [
        SWEEP_AFTER_MS / 1000,
      ])
      .catch(() => undefined);

  ledger.attach({ elsewhere: (slot) => elsewhere.get(slot) ?? 0, changed: schedule });
  const timers = [
    setInterval(() => void publish(true), REFRESH_INTERVAL_MS),
    setInterval(() => void read(), READ_INTERVAL_MS),
    setInterval(() => void sweep(), SWEEP_AFTER_MS),
  ];
  for (const timer of timers) timer.unref();
  void publish(true).then(read);

  return {
    node,
    async stop() {
      if (stopped) return;
      stopped = true;
      ledger.attach(undefined);
      for (const timer of timers) clearInterval(timer);
      clearTimeout(publishTimer);
      const leave = async () => {
        await publishing; // so that no write lands after the delete
        await pool.query('DELETE FROM connection_counts WHERE node_id = ?', [node]);
      };
      // A database that does not answer must not hold up a stop: the rows then go stale instead.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        leave().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, STOP_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
      void pool.end().catch(() => undefined);
    },
  };
}
