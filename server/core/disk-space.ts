// Free space of the data directory against a watermark (POSTROOM_MIN_FREE_DISK). Below it new mail
// is refused with a temporary answer, so the database itself never meets a full disk; recovery is
// automatic once space returns. statfs is cached briefly: SMTP asks at every MAIL FROM.
import { promises as fs } from 'node:fs';
import { config } from './config';

const GIB = 1024 ** 3;
const CACHE_MS = 1000;

export type FreeDiskWatermark = { bytes: number } | { percent: number } | 'default';

/** Parses "1G", "500M", "2048K", "1073741824" (bytes) or "5%"; empty means the default. */
export function parseMinFreeDisk(raw: string | undefined): FreeDiskWatermark {
  const text = (raw ?? '').trim();
  if (text === '') return 'default';
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 100) throw new Error(`POSTROOM_MIN_FREE_DISK must be at most 100%, got "${raw}"`);
    return { percent: value };
  }
  const size = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text);
  if (!size)
    throw new Error(`POSTROOM_MIN_FREE_DISK must be a size like 1G or a share like 5%, got "${raw}"`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: GIB, T: 1024 ** 4 }[size[2]!.toUpperCase()]!;
  return { bytes: Math.round(Number(size[1]) * unit) };
}

/** The watermark in bytes for a filesystem of `totalBytes`: by default 1 GiB or 5 %, the smaller. */
export function watermarkBytes(watermark: FreeDiskWatermark, totalBytes: number): number {
  if (watermark === 'default') return Math.min(GIB, totalBytes * 0.05);
  if ('percent' in watermark) return (totalBytes * watermark.percent) / 100;
  return watermark.bytes;
}

export interface StorageState {
  freeBytes: number;
  totalBytes: number;
  minFreeBytes: number;
  low: boolean;
}

let cached:
  | { at: number; dir: string; setting: string | undefined; state: Promise<StorageState> }
  | undefined;

async function measure(dataDir: string, setting: string | undefined): Promise<StorageState> {
  const stats = await fs.statfs(dataDir);
  // bavail, not bfree: what an unprivileged writer (this process, usually) can still use.
  const freeBytes = stats.bavail * stats.bsize;
  const totalBytes = stats.blocks * stats.bsize;
  const minFreeBytes = watermarkBytes(parseMinFreeDisk(setting), totalBytes);
  return { freeBytes, totalBytes, minFreeBytes, low: freeBytes < minFreeBytes };
}

/** The data directory's free space and whether it is below the watermark (cached about a second). */
export function storageState(dataDir = config().dataDir, now = Date.now()): Promise<StorageState> {
  const setting = process.env.POSTROOM_MIN_FREE_DISK;
  if (!cached || now - cached.at > CACHE_MS || cached.dir !== dataDir || cached.setting !== setting) {
    const state = measure(dataDir, setting);
    cached = { at: now, dir: dataDir, setting, state };
    // A failed statfs (directory not there yet) is not remembered.
    state.catch(() => {
      if (cached?.state === state) cached = undefined;
    });
  }
  return cached.state;
}

/** True while new mail must be refused; a statfs failure counts as "not low" (never refuse blindly). */
export async function storageLow(dataDir = config().dataDir): Promise<boolean> {
  try {
    return (await storageState(dataDir)).low;
  } catch {
    return false;
  }
}

/**
 * The codes of a write that failed because the disk (or quota) is full: a file write's ENOSPC or
 * EDQUOT, or the database's own word for it, as small messages are written into the database
 * (store/blob-store.ts): SQLite's SQLITE_FULL, MariaDB's ER_DISK_FULL (1021) and
 * ER_RECORD_FILE_FULL (1114), as the mariadb driver names them.
 */
const OUT_OF_SPACE_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'SQLITE_FULL',
  'ER_DISK_FULL',
  'ER_RECORD_FILE_FULL',
]);

/** A write that failed because the disk (or the user's filesystem quota) is full. */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && OUT_OF_SPACE_CODES.has(code);
}
