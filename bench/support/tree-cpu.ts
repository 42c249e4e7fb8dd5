// CPU time of process trees from /proc (Linux), for the benches' "CPU per message / command":
// what a server's processes used during a run, which the machine's other load distorts far less
// than throughput does.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Parent pid and CPU ticks (utime + stime + cutime + cstime) of every live process. */
function processTable(): Map<number, { ppid: number; ticks: number }> {
  const table = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // Fields after the command name (which may hold spaces): state ppid ... utime(14) stime cutime cstime.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      table.set(Number(name), { ppid: Number(fields[1]), ticks });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/**
 * CPU seconds of the process trees under `roots`: every live process's own time plus that of its
 * children that have exited and been waited for (so a Postfix smtpd that ended after its 100
 * connections still counts, through its master), never counted twice.
 */
export function treeCpuSeconds(roots: number[]): number {
  const table = processTable();
  const inTree = (pid: number): boolean => {
    for (let current = pid, depth = 0; current > 1 && depth < 64; depth++) {
      if (roots.includes(current)) return true;
      current = table.get(current)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, entry] of table) if (inTree(pid)) ticks += entry.ticks;
  return ticks / CLOCK_TICKS;
}

/** The process listening on a local TCP port (the MariaDB server on the bench's port, say), if any. */
export function listenerPid(port: number): number[] {
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const match = /pid=(\d+)/.exec(result.stdout ?? '');
  return match ? [Number(match[1])] : [];
}

/** The pid in a pid file, as a list of none or one (for treeCpuSeconds' roots). */
export function pidFile(path: string): number[] {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? [pid] : [];
  } catch {
    return [];
  }
}
