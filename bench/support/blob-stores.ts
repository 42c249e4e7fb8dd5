// The blob stores a bench measures Postroom with (--blob-stores filesystem,database): the option,
// the worker's environment for each, the order they take turns in, and the database/filesystem
// ratios printed beside the figures. The default is the filesystem alone, the benches' old shape.
import { loadavg } from 'node:os';
import type { BlobStoreKind } from '../../server/store/blob-store';

export type { BlobStoreKind };

const KINDS: readonly BlobStoreKind[] = ['filesystem', 'database'];

export const BLOB_STORES_HELP =
  '--blob-stores filesystem,database: measure Postroom with each store (POSTROOM_BLOB_STORE), taking turns';

/** The --blob-stores list, checked, without repeats. */
export function parseBlobStores(value: string): BlobStoreKind[] {
  const stores = [...new Set(value.split(',').map((part) => part.trim()))].filter(Boolean);
  for (const store of stores)
    if (!KINDS.includes(store as BlobStoreKind))
      throw new Error(`--blob-stores takes filesystem and/or database, not "${store}"`);
  if (stores.length === 0) throw new Error('--blob-stores names no store');
  return stores as BlobStoreKind[];
}

/** The worker's environment for a store. */
export function blobStoreEnv(store: BlobStoreKind): Record<string, string> {
  return { POSTROOM_BLOB_STORE: store };
}

/** The store in a target's name, left out when the run is the old one (filesystem only). */
export function storeLabel(stores: readonly BlobStoreKind[], store: BlobStoreKind): string {
  return stores.length > 1 || store !== 'filesystem' ? store : '';
}

/**
 * Round `round` (from 1) measures in this order: reversed every other round, so a drift in the
 * machine's other load does not always fall on the same store.
 */
export function inTurn<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 1 ? [...items] : [...items].reverse();
}

/** database / filesystem round by round (the two measured in the same round), and their mean. */
export function storeRatios(database: readonly number[], filesystem: readonly number[]): string {
  const ratios = database.map((value, i) => value / (filesystem[i] ?? Number.NaN));
  const finite = ratios.filter((ratio) => Number.isFinite(ratio));
  const mean = finite.length ? finite.reduce((sum, ratio) => sum + ratio, 0) / finite.length : Number.NaN;
  const show = (ratio: number) => (Number.isFinite(ratio) ? ratio.toFixed(2) : '-');
  return `${ratios.map(show).join(', ')}${ratios.length > 1 ? ` (mean ${show(mean)})` : ''}`;
}

/** The 1, 5 and 15 minute load averages: the machine is shared, so figures go with it. */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}
