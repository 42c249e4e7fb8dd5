// A process and its descendants as /proc shows them (Linux): who they are, their command lines,
// their proportional set size (PSS: shared pages divided among the processes that map them, so
// the figures of a tree add up to what it really costs) and the files they have mapped.
import { readFileSync, readdirSync } from 'node:fs';

export interface TreeProcess {
  pid: number;
  parent: number;
  args: string[];
  /** A short name: npm, sh, supervisor, web, worker or the program's name. */
  role: string;
  pssKiB: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process is gone
  }
}

export function commandLine(pid: number): string[] {
  return (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
}

export function pssKiB(pid: number): number {
  const match = /^Pss:\s+(\d+)/m.exec(read(`/proc/${pid}/smaps_rollup`) ?? '');
  return Number(match?.[1] ?? 0);
}

/** CPU time (user + system) the process has used so far, in seconds (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = (read(`/proc/${pid}/stat`) ?? '').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

/** Files the process has mapped (shared libraries, native addons, memory-mapped code). */
export function mappedFiles(pid: number): string[] {
  const files = new Set<string>();
  for (const line of (read(`/proc/${pid}/maps`) ?? '').split('\n')) {
    const path = line.split(/\s+/).slice(5).join(' ');
    if (path.startsWith('/')) files.add(path);
  }
  return [...files];
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const task of (() => {
    try {
      return readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
  })()) {
    for (const child of (read(`/proc/${pid}/task/${task}/children`) ?? '').trim().split(/\s+/))
      if (child) children.push(Number(child));
  }
  return children;
}

export function roleOf(args: string[]): string {
  const line = args.join(' ');
  if (/\bnpm(-cli\.js)?\b/.test(line) && !line.includes('bin/postroom.js')) return 'npm';
  if (/^(\/bin\/)?(ba|da)?sh\b/.test(args[0] ?? '')) return 'sh';
  if (line.includes('postroom.js') || line.includes('cli.js')) return 'supervisor';
  if (/worker\.(js|ts)\b/.test(line)) return 'worker';
  if (line.includes('next') || line.includes('standalone')) return 'web';
  return (args[0] ?? '?').split('/').pop() ?? '?';
}

/** `root` and everything below it, parents before children. */
export function processTree(root: number): TreeProcess[] {
  const found: TreeProcess[] = [];
  const visit = (pid: number, parent: number) => {
    const args = commandLine(pid);
    if (args.length === 0) return;
    found.push({ pid, parent, args, role: roleOf(args), pssKiB: pssKiB(pid) });
    for (const child of childrenOf(pid)) visit(child, pid);
  };
  visit(root, 0);
  return found;
}
