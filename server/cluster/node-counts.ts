// Open-connection counts across the nodes of a cluster on one MariaDB/Galera database: each node
// publishes its own non-zero counts per counter and key (table connection_counts), and reads the
// other nodes' counts about once a second; its ledger grants a connection only while this node's
// own count plus the other nodes' is under the limit. The pure parts are here (which rows count,
// what to write); node-counts-db.ts does the reading and writing.
//
// The bound holds within the publish lag, not exactly: a node's change reaches the table within
// PUBLISH_DELAY_MS (plus the write) and the others read it within READ_INTERVAL_MS, so a burst
// from one address spread over several nodes within about a second can go over the limit (by at
// most what each node grants in that second). A node that dies keeps counting on the others until
// its rows are STALE_MS old.
import { hostname } from 'node:os';

/** After a change, this long for more changes before publishing (one write for a burst). */
export const PUBLISH_DELAY_MS = 200;
/** Every row of this node is written again this often, so that fresh rows mean a live node. */
export const REFRESH_INTERVAL_MS = 5_000;
/** How often the other nodes' rows are read. */
export const READ_INTERVAL_MS = 1_000;
/** Rows not refreshed for this long belong to a dead (or cut off) node and are not counted. */
export const STALE_MS = 15_000;
/** Rows this old are deleted by whichever node sweeps (a node that never came back). */
export const SWEEP_AFTER_MS = 60_000;

export interface CountRow {
  node: string;
  counter: string;
  key: string;
  open: number;
  /** Since the row was last written, by the database's clock (no clock skew between nodes). */
  ageMs: number;
}

/**
 * This node's name in connection_counts: POSTROOM_NODE_ID, or the host name and data directory
 * (stable across restarts, so a node that starts again deletes the rows it left). Two nodes must
 * not share one: set POSTROOM_NODE_ID where host names may repeat.
 */
export function nodeId(dataDir: string): string {
  const given = process.env.POSTROOM_NODE_ID?.trim();
  return (given || `${hostname()}:${dataDir}`).slice(0, 128);
}

/** The other nodes' open counts by slot (ledger's slotOf), from their fresh rows only. */
export function otherNodesOpen(
  rows: Iterable<CountRow>,
  self: string,
  slotOf: (name: string, key: string) => string,
  staleMs = STALE_MS,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (row.node === self || row.ageMs > staleMs || row.open <= 0) continue;
    const slot = slotOf(row.counter, row.key);
    totals.set(slot, (totals.get(slot) ?? 0) + row.open);
  }
  return totals;
}

/** What to write so the table says `now`, given it says `published`: rows to set, slots to delete. */
export function countChanges(
  published: ReadonlyMap<string, number>,
  now: ReadonlyMap<string, number>,
): { set: [string, number][]; remove: string[] } {
  const set: [string, number][] = [];
  for (const [slot, open] of now) if (published.get(slot) !== open) set.push([slot, open]);
  const remove = [...published.keys()].filter((slot) => !now.has(slot));
  return { set, remove };
}
