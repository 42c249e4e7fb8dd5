// One sample of the worker's health: memory (RSS, PSS), open descriptors and CPU summed over its
// processes (with POSTROOM_WORKERS > 1 a cluster primary and its children), database size, blob
// files, queue depth and table sizes, plus the good traffic counted since the previous sample.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Counters } from './context';
import type { SoakDatabase } from './worker';

export interface Sample {
  minute: number;
  /** Processes of the worker: itself and its descendants (a cluster primary and its children). */
  processes: number;
  /** Share of one core the worker's processes used over the interval (user + system time). */
  cpuPercent: number;
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
  { key: 'processes', label: 'procs', leak: false },
  { key: 'cpuPercent', label: 'cpu %', leak: false },
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

/** A /proc file of a process that may have exited meanwhile ('' then). */
function procFile(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** The fields of /proc/PID/stat after the command name, so index 0 is field 3 (state). */
function statFields(pid: number): string[] {
  const stat = procFile(pid, 'stat');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The process and all its descendants, found through each process's parent id. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const parent = Number(statFields(Number(name))[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const tree: number[] = [];
  for (const queue = [root]; queue.length > 0; ) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function sumOver(pids: number[], read: (pid: number) => number): number {
  return pids.reduce((total, pid) => total + (read(pid) || 0), 0);
}

function memoryMiB(pid: number, file: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(procFile(pid, file))?.[1] ?? 0) / 1024;
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** User plus system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ, 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

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
  private previousCpu: { seconds: number; at: number };

  constructor(
    private readonly pid: number,
    private readonly database: SoakDatabase,
    private readonly counters: Counters,
    private readonly workerProblems: () => number,
  ) {
    this.previousCpu = { seconds: sumOver(processTree(pid), cpuSeconds), at: Date.now() };
  }

  async sample(minute: number): Promise<Sample> {
    const { pid, database } = this;
    const now = this.counters.snapshot();
    const since = (name: string) => (now.get(name) ?? 0) - (this.previous.get(name) ?? 0);
    const problems = this.workerProblems();
    const bytes = database.mysqlSchema
      ? await mysqlBytes(database.mysqlSchema)
      : sqliteBytes(database.dataDir);
    const pids = processTree(pid);
    const cpu = { seconds: sumOver(pids, cpuSeconds), at: Date.now() };
    // A child that exited takes its CPU time with it: never below zero.
    const cpuPercent = Math.max(
      0,
      (100 * (cpu.seconds - this.previousCpu.seconds)) /
        Math.max(0.001, (cpu.at - this.previousCpu.at) / 1000),
    );
    this.previousCpu = cpu;
    const sample: Sample = {
      minute,
      processes: pids.length,
      cpuPercent,
      rssMiB: sumOver(pids, (one) => memoryMiB(one, 'status', 'VmRSS')),
      pssMiB: sumOver(pids, (one) => memoryMiB(one, 'smaps_rollup', 'Pss')),
      fds: sumOver(pids, openFds),
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
