// One sample of the worker's health: memory (RSS, PSS), open descriptors, database size, blob
// files, queue depth and table sizes, plus the good traffic counted since the previous sample.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Counters } from './context';
import type { SoakDatabase } from './worker';

export interface Sample {
  minute: number;
  rssMiB: number;
  pssMiB: number;
  fds: number;
  dbMiB: number;
  blobs: number;
  queue: number;
  messages: number;
  authFailures: number;
  /** Good traffic since the previous sample. */
  delivered: number;
  imapOps: number;
  popRetrieved: number;
  idlePushes: number;
  goodErrors: number;
  /** Worker warning+error log lines since the previous sample. */
  workerProblems: number;
}

/** The columns of the table, the chart and the verdict, in order. */
export const METRICS: ReadonlyArray<{ key: keyof Sample; label: string; leak: boolean }> = [
  { key: 'rssMiB', label: 'RSS MiB', leak: true },
  { key: 'pssMiB', label: 'PSS MiB', leak: true },
  { key: 'fds', label: 'fds', leak: true },
  { key: 'dbMiB', label: 'db MiB', leak: true },
  { key: 'blobs', label: 'blobs', leak: true },
  { key: 'queue', label: 'queue', leak: true },
  { key: 'messages', label: 'msg rows', leak: true },
  { key: 'authFailures', label: 'authfail', leak: true },
  { key: 'delivered', label: 'deliv/int', leak: false },
  { key: 'imapOps', label: 'imap/int', leak: false },
  { key: 'popRetrieved', label: 'pop/int', leak: false },
  { key: 'idlePushes', label: 'idle/int', leak: false },
  { key: 'goodErrors', label: 'errors', leak: false },
  { key: 'workerProblems', label: 'wlog', leak: false },
];

const GOOD_ERROR_COUNTERS = ['smtp.errors', 'imap.errors', 'pop3.errors', 'idle.errors'];

function procField(pid: number, file: string, field: string): number {
  const text = readFileSync(`/proc/${pid}/${file}`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024;
}

function countFiles(dir: string): number {
  let count = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0; // not made yet
  }
  for (const entry of entries)
    count += entry.isDirectory() ? countFiles(join(dir, entry.name)) : entry.isFile() ? 1 : 0;
  return count;
}

function sqliteBytes(dataDir: string): number {
  return ['postroom.db', 'postroom.db-wal', 'postroom.db-shm'].reduce((total, name) => {
    try {
      return total + statSync(join(dataDir, name)).size;
    } catch {
      return total;
    }
  }, 0);
}

/** Allocated InnoDB file sizes of the schema's tables (the table statistics lag behind). */
async function mysqlBytes(schema: string): Promise<number> {
  const { db } = await import('../../server/core/db');
  const rows = await db().$queryRawUnsafe<Array<{ bytes: bigint | number | null }>>(
    'SELECT SUM(FILE_SIZE) AS bytes FROM information_schema.INNODB_SYS_TABLESPACES WHERE NAME LIKE ?',
    `${schema}/%`,
  );
  return Number(rows[0]?.bytes ?? 0);
}

async function rowCounts(): Promise<{ queue: number; messages: number; authFailures: number }> {
  const { db } = await import('../../server/core/db');
  const [queue, messages, authFailures] = await Promise.all([
    db().queueEntry.count(),
    db().message.count(),
    db().authFailure.count(),
  ]);
  return { queue, messages, authFailures };
}

export class Sampler {
  private previous = new Map<string, number>();
  private previousProblems = 0;

  constructor(
    private readonly pid: number,
    private readonly database: SoakDatabase,
    private readonly counters: Counters,
    private readonly workerProblems: () => number,
  ) {}

  async sample(minute: number): Promise<Sample> {
    const { pid, database } = this;
    const now = this.counters.snapshot();
    const since = (name: string) => (now.get(name) ?? 0) - (this.previous.get(name) ?? 0);
    const problems = this.workerProblems();
    const bytes = database.mysqlSchema
      ? await mysqlBytes(database.mysqlSchema)
      : sqliteBytes(database.dataDir);
    const sample: Sample = {
      minute,
      rssMiB: procField(pid, 'status', 'VmRSS'),
      pssMiB: procField(pid, 'smaps_rollup', 'Pss'),
      fds: readdirSync(`/proc/${pid}/fd`).length,
      dbMiB: bytes / 1024 / 1024,
      blobs: countFiles(join(database.dataDir, 'blobs')),
      ...(await rowCounts()),
      delivered: since('smtp.delivered'),
      imapOps: since('imap.ops'),
      popRetrieved: since('pop3.retrieved'),
      idlePushes: since('idle.pushes'),
      goodErrors: GOOD_ERROR_COUNTERS.reduce((total, name) => total + since(name), 0),
      workerProblems: problems - this.previousProblems,
    };
    this.previous = now;
    this.previousProblems = problems;
    return sample;
  }
}
