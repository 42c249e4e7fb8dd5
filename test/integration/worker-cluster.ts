// The real mail worker started with POSTROOM_WORKERS (server/worker.ts as a cluster primary) for
// workers.test.ts, with its log lines collected, and which child process holds a given connection,
// read from /proc: the server end of a TCP connection is a socket inode in /proc/net/tcp{,6} that
// exactly one child has among its file descriptors.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';

export interface LogLine {
  msg?: string;
  pid?: number;
  slot?: number;
  [field: string]: unknown;
}

export interface ClusterWorker {
  primary: ChildProcess;
  logs: LogLine[];
  ports: Record<string, number>;
  /** Live child pids by slot, as their latest "listening" lines say. */
  children(): Map<number, number>;
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 60_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every primary started, for the test's clean-up even when its start failed. */
export const spawned: ChildProcess[] = [];

/** Starts server/worker.ts on the test database (process.env) with every port left to the primary. */
export async function startClusterWorker(extra: Record<string, string>, ipc = false): Promise<ClusterWorker> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSTROOM_LOG: '',
    POSTROOM_LISTEN: '127.0.0.1',
    POSTROOM_HOSTNAME: 'mx.example.org',
    POSTROOM_MAILAUTH: 'off',
    ...Object.fromEntries(
      ['SMTP', 'SUBMISSION', 'SMTPS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'MANAGESIEVE'].map((name) => [
        `POSTROOM_${name}_PORT`,
        '0',
      ]),
    ),
    ...extra,
  };
  const primary = spawn(process.execPath, ['--import', 'tsx', 'server/worker.ts'], {
    env,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  for (const stream of [primary.stdout, primary.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    });
  }
  spawned.push(primary);
  try {
    // Generous: on a machine loaded by other test runs, loading two children takes long.
    await waitFor(
      'the workers to listen',
      () => logs.some((line) => line.msg === 'mail worker listening'),
      180_000,
    );
  } catch (error) {
    throw new Error(`${String(error)}; last log lines: ${JSON.stringify(logs.slice(-15))}`);
  }
  const ready = logs.find((line) => line.msg === 'mail worker listening')!;
  const ports: Record<string, number> = {};
  for (const name of ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s'])
    ports[name] = Number(ready[name]);
  return {
    primary,
    logs,
    ports,
    children() {
      const bySlot = new Map<number, number>();
      for (const line of logs)
        if (line.msg === 'mail worker process listening' && line.pid !== undefined)
          bySlot.set(Number(line.slot), line.pid);
      return bySlot;
    },
  };
}

function socketInode(serverPort: number, clientPort: number): string | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (fields[1]!.endsWith(`:${hex(serverPort)}`) && fields[2]!.endsWith(`:${hex(clientPort)}`))
        return fields[9];
    }
  }
  return undefined;
}

/** The pid among `candidates` that holds the server end of `client`'s connection. */
export async function ownerOf(
  client: Socket,
  serverPort: number,
  candidates: number[],
): Promise<number | undefined> {
  let owner: number | undefined;
  await waitFor(
    'the connection to be handed to a child',
    () => {
      const inode = socketInode(serverPort, client.localPort!);
      if (!inode || inode === '0') return false;
      owner = candidates.find((pid) => {
        try {
          return readdirSync(`/proc/${pid}/fd`).some((fd) => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
            } catch {
              return false;
            }
          });
        } catch {
          return false;
        }
      });
      return owner !== undefined;
    },
    10_000,
  );
  return owner;
}
