// A real multi-node Postroom on one machine, for the cluster tests: three Galera nodes (MariaDB with
// Debian's galera-4, each its own mariadbd, data directory, socket and loopback ports), Postroom
// nodes started by `postroom start` with POSTROOM_ROLES, and HAProxy in front of the mail ports
// with PROXY protocol v2 and health checks on each worker's /ready. Every port is picked free at
// random per run, so parallel runs do not collide; the machine's own MariaDB (3306) is not touched.
// Every process writes its log to a file in one temporary directory, printed when a test fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { freePort } from '../helpers/free-port';
export { freePort };

export const projectRoot = join(import.meta.dirname, '..', '..');
const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';
/** HAProxy connects from this loopback address; only it may send a PROXY header. */
export const PROXY_SOURCE = '127.0.0.2';

export function clusterPrerequisites(): string | null {
  for (const [path, what] of [
    ['/usr/sbin/mariadbd', 'mariadb-server'],
    [GALERA_PROVIDER, 'galera-4'],
    ['/usr/bin/rsync', 'rsync'],
    ['/usr/sbin/haproxy', 'haproxy'],
  ] as const) {
    try {
      statSync(path);
    } catch {
      return `${path} missing (apt-get install ${what})`;
    }
  }
  return null;
}

export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  ms = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function alive(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** The temporary directory of one cluster run, with every log, and everything started in it. */
export class ClusterRun {
  readonly dir = mkdtempSync(join(tmpdir(), 'postroom-cluster-'));
  private readonly children: ChildProcess[] = [];
  private readonly groups: number[] = [];

  constructor() {
    // The rsync daemon of a Galera state transfer runs as nobody (wsrep_sst_rsync as root): it
    // must be able to walk to a joiner's data directory.
    chmodSync(this.dir, 0o755);
    // A test file stopped from outside (the runner's timeout, Ctrl-C) runs no after() hook: its
    // mariadbd, Postroom and HAProxy processes must not outlive it.
    process.once('exit', () => this.killAllNow());
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.once(signal, () => {
        this.killAllNow();
        process.exit(1);
      });
  }

  private killAllNow(): void {
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const child of this.children) if (alive(child)) child.kill('SIGKILL');
  }

  log(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  spawn(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, group = false): ChildProcess {
    const out = openSync(this.log(name), 'a');
    const child = spawn(command, args, {
      cwd: projectRoot,
      env,
      stdio: ['ignore', out, out],
      detached: group,
    });
    closeSync(out);
    this.children.push(child);
    if (group && child.pid) this.groups.push(child.pid);
    return child;
  }

  /** The last lines of every log, for a failing test. */
  dumpLogs(lines = 40): string {
    const parts: string[] = [`cluster logs in ${this.dir}`];
    for (const name of readdirSync(this.dir)
      .filter((file) => file.endsWith('.log'))
      .sort()) {
      const text = readFileSync(join(this.dir, name), 'utf8').trimEnd().split('\n').slice(-lines);
      parts.push(`--- ${name} (last ${lines} lines)`, ...text);
    }
    return parts.join('\n');
  }

  async stopAll(keep = false): Promise<void> {
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await Promise.all(
      this.children.filter(alive).map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
            setTimeout(resolve, 5000).unref();
          }),
      ),
    );
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface GaleraNode {
  name: string;
  port: number;
  socket: string;
  dataDir: string;
  child?: ChildProcess;
  /** mysql://root@127.0.0.1:port/database */
  url(database: string): string;
  query<T = unknown>(sql: string, values?: unknown[]): Promise<T>;
  /** kill -9; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** Starts it again (its position recovered first), joining the others; resolves once Synced. */
  restart(): Promise<void>;
  state(): Promise<string>;
}

/**
 * Three Galera nodes with an empty `postroom` database on every one, and this process pointed at
 * the third (as the web node's administrator would be): DATABASE_URL, a data directory in the run,
 * the database blob store, quiet logs. Resolves with the nodes and that URL.
 */
export async function startClusterDatabase(run: ClusterRun): Promise<{ galera: GaleraNode[]; url: string }> {
  const galera = await startGalera(run);
  await galera[0]!.query('CREATE DATABASE postroom CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  const url = galera[2]!.url('postroom');
  process.env.DATABASE_URL = url;
  process.env.POSTROOM_DATA_DIR = run.dir;
  process.env.POSTROOM_BLOB_STORE = 'database';
  process.env.POSTROOM_LOG = 'silent';
  await waitFor('the database on every node', async () => {
    for (const node of galera)
      if ((await node.query<unknown[]>("SHOW DATABASES LIKE 'postroom'")).length !== 1) return false;
    return true;
  });
  return { galera, url };
}

/** Three (or `count`) Galera nodes, the first bootstrapping the cluster; resolves when all are Synced. */
export async function startGalera(run: ClusterRun, count = 3): Promise<GaleraNode[]> {
  const specs = [];
  for (let index = 1; index <= count; index++) {
    specs.push({
      name: `galera${index}`,
      port: await freePort(),
      gcomm: await freePort(),
      ist: await freePort(),
      sst: await freePort(),
      dataDir: join(run.dir, `galera${index}`),
      // Its own temporary directory: in the shared /tmp another server's clean-up removed the
      // install's temporary tables once (a fresh-clone run with the machine's MariaDB busy).
      tmpDir: join(run.dir, `galera${index}-tmp`),
      socket: join(run.dir, `galera${index}.sock`),
    });
    mkdirSync(specs[specs.length - 1]!.tmpDir, { recursive: true });
  }
  // One system-table install, copied: each node still gets its own directory (and joiners receive
  // the first node's state by rsync SST anyway).
  const template = specs[0]!.dataDir;
  const install = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${template}`,
      `--tmpdir=${specs[0]!.tmpDir}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--innodb-log-file-size=8M',
      '--innodb-buffer-pool-size=32M',
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stdout}${install.stderr}`);
  for (const spec of specs.slice(1)) {
    spawnSync('cp', ['-a', template, spec.dataDir]);
    // Joiners are written by the SST's rsync daemon, which runs as nobody.
    chownTree(spec.dataDir, 'nobody');
  }
  const clusterAddress = `gcomm://${specs.map((spec) => `127.0.0.1:${spec.gcomm}`).join(',')}`;
  const nodes: GaleraNode[] = specs.map((spec) => {
    const args = (extra: string[]) => [
      '--no-defaults',
      '--user=root',
      `--datadir=${spec.dataDir}`,
      `--tmpdir=${spec.tmpDir}`,
      `--socket=${spec.socket}`,
      `--port=${spec.port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(run.dir, `${spec.name}.pid`)}`,
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=8M',
      '--innodb-flush-log-at-trx-commit=2',
      '--binlog-format=ROW',
      '--innodb-autoinc-lock-mode=2',
      '--default-storage-engine=InnoDB',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--max-allowed-packet=64M',
      '--max-connections=300',
      '--skip-name-resolve',
      '--performance-schema=OFF',
      '--wsrep-on=ON',
      `--wsrep-provider=${GALERA_PROVIDER}`,
      '--wsrep-cluster-name=postroom-test',
      `--wsrep-node-name=${spec.name}`,
      `--wsrep-node-address=127.0.0.1:${spec.gcomm}`,
      `--wsrep-node-incoming-address=127.0.0.1:${spec.port}`,
      `--wsrep-cluster-address=${clusterAddress}`,
      `--wsrep-provider-options=base_port=${spec.gcomm};gcache.size=32M;ist.recv_addr=127.0.0.1:${spec.ist};evs.suspect_timeout=PT3S;evs.inactive_timeout=PT5S;evs.install_timeout=PT5S`,
      '--wsrep-sst-method=rsync',
      `--wsrep-sst-receive-address=127.0.0.1:${spec.sst}`,
      ...extra,
    ];
    const node: GaleraNode = {
      name: spec.name,
      port: spec.port,
      socket: spec.socket,
      dataDir: spec.dataDir,
      url: (database) => `mysql://root@127.0.0.1:${spec.port}/${database}`,
      async query<T>(sql: string, values?: unknown[]) {
        const conn = await mariadb.createConnection({
          socketPath: spec.socket,
          user: 'root',
          connectTimeout: 3000,
        });
        try {
          return (await conn.query(sql, values)) as T;
        } finally {
          await conn.end().catch(() => {});
        }
      },
      async state() {
        const rows = await node.query<{ Value: string }[]>("SHOW STATUS LIKE 'wsrep_local_state_comment'");
        return rows[0]?.Value ?? '';
      },
      async kill9() {
        const child = node.child;
        if (!alive(child)) return;
        const gone = new Promise((resolve) => child!.once('exit', resolve));
        child!.kill('SIGKILL');
        await gone;
      },
      async restart() {
        for (let attempt = 1; ; attempt++) {
          // What mysqld_safe does after a crash: recover the last committed position so the node
          // rejoins by incremental state transfer (IST) from a donor's gcache.
          const recover = spawnSync(
            '/usr/sbin/mariadbd',
            [...args(['--wsrep-recover', `--log-error=${run.log(`${spec.name}-recover`)}`])],
            { encoding: 'utf8' },
          );
          const recovered = /Recovered position:\s*(\S+)/.exec(
            readFileSync(run.log(`${spec.name}-recover`), 'utf8'),
          );
          if (recover.status !== 0 || !recovered)
            throw new Error(`${spec.name}: --wsrep-recover found no position`);
          chownTree(spec.dataDir, 'nobody');
          const child = run.spawn(
            spec.name,
            '/usr/sbin/mariadbd',
            args([`--wsrep-start-position=${recovered[1]}`]),
            process.env,
          );
          node.child = child;
          const outcome = await waitFor(
            `${spec.name} to rejoin`,
            async () => (!alive(child) ? 'exited' : (await node.state()) === 'Synced' ? 'synced' : null),
            90_000,
            250,
          );
          if (outcome === 'synced') return;
          // A joiner whose state transfer could not start ends itself: "the rsync or stunnel
          // daemon terminated unexpectedly" was seen once under load. Again, on fresh ports.
          if (attempt === 3) throw new Error(`${spec.name} exited while rejoining, three times`);
          spec.sst = await freePort();
          spec.ist = await freePort();
        }
      },
    };
    (node as GaleraNode & { args: typeof args }).args = args;
    return node;
  });
  const argsOf = (node: GaleraNode) => (node as GaleraNode & { args: (extra: string[]) => string[] }).args;
  const first = nodes[0]!;
  first.child = run.spawn(
    first.name,
    '/usr/sbin/mariadbd',
    argsOf(first)(['--wsrep-new-cluster']),
    process.env,
  );
  await waitFor(`${first.name} to bootstrap`, async () => (await first.state()) === 'Synced', 60_000, 200);
  for (const node of nodes.slice(1))
    node.child = run.spawn(node.name, '/usr/sbin/mariadbd', argsOf(node)([]), process.env);
  for (const node of nodes.slice(1))
    await waitFor(`${node.name} to join`, async () => (await node.state()) === 'Synced', 120_000, 250);
  return nodes;
}

function chownTree(path: string, user: string): void {
  const ids = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  const uid = Number(ids.stdout.trim());
  const gid = Number(gids.stdout.trim());
  const walk = (p: string) => {
    chownSync(p, uid, gid);
    if (statSync(p).isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(path);
}

export interface PostroomNode {
  name: string;
  ports: { smtp: number; submission: number; imap: number; pop3: number; ready: number; web?: number };
  dataDir: string;
  child: ChildProcess;
  /** kill -9 of the supervisor and every process it started (its process group). */
  kill9(): Promise<void>;
}

/**
 * `postroom start` with POSTROOM_ROLES (worker or web) on its own data directory, pointed at one
 * database URL; resolves once the worker's /ready answers 200, or the web's sign-in page answers.
 */
export async function startPostroomNode(
  run: ClusterRun,
  name: string,
  options: { roles: 'worker' | 'web'; databaseUrl: string; env?: Record<string, string> },
): Promise<PostroomNode> {
  const dataDir = join(run.dir, `${name}-data`);
  mkdirSync(dataDir, { recursive: true });
  const ports = {
    smtp: await freePort(),
    submission: await freePort(),
    imap: await freePort(),
    pop3: await freePort(),
    ready: await freePort(),
    ...(options.roles === 'web' ? { web: await freePort() } : {}),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POSTROOM_ROLES: options.roles,
    DATABASE_URL: options.databaseUrl,
    POSTROOM_DATA_DIR: dataDir,
    POSTROOM_BLOB_STORE: 'database',
    POSTROOM_LOG: 'info',
    POSTROOM_LISTEN: '127.0.0.1',
    POSTROOM_HOSTNAME: 'mx.cluster.test',
    POSTROOM_WORKERS: '1',
    POSTROOM_MAILAUTH: 'off',
    POSTROOM_SMTP_GREET_PAUSE_MS: '0',
    POSTROOM_PROXY_PROTOCOL_FROM: `${PROXY_SOURCE}/32`,
    POSTROOM_SMTP_PORT: String(ports.smtp),
    POSTROOM_SUBMISSION_PORT: String(ports.submission),
    POSTROOM_IMAP_PORT: String(ports.imap),
    POSTROOM_POP3_PORT: String(ports.pop3),
    POSTROOM_SMTPS_PORT: '0',
    POSTROOM_IMAPS_PORT: '0',
    POSTROOM_POP3S_PORT: '0',
    POSTROOM_MANAGESIEVE_PORT: '0',
    POSTROOM_WORKER_METRICS_PORT: String(ports.ready),
    PORT: String(ports.web ?? 0),
    ...(ports.web ? { NEXTAUTH_URL: `http://127.0.0.1:${ports.web}` } : {}),
    ...options.env,
  };
  delete env.NODE_OPTIONS;
  const child = run.spawn(
    name,
    process.execPath,
    [join(projectRoot, 'bin', 'postroom.js'), 'start'],
    env,
    true,
  );
  const node: PostroomNode = {
    name,
    ports,
    dataDir,
    child,
    async kill9() {
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      if (alive(child)) await new Promise((resolve) => child.once('exit', resolve));
    },
  };
  const exited = () => {
    if (!alive(child))
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}); see ${run.log(name)}`);
  };
  if (options.roles === 'worker') {
    await waitFor(
      `${name} to be ready`,
      async () => {
        exited();
        return (await fetch(`http://127.0.0.1:${ports.ready}/ready`)).status === 200;
      },
      180_000,
      250,
    );
  } else {
    await waitFor(
      `${name} to serve its sign-in page`,
      async () => {
        exited();
        const response = await fetch(`http://127.0.0.1:${ports.web}/signin`, { redirect: 'manual' });
        return response.status < 500;
      },
      600_000,
      500,
    );
  }
  return node;
}

export interface Haproxy {
  ports: { smtp: number; submission: number; imap: number; pop3: number; stats: number };
  child: ChildProcess;
  /** The health of each server as HAProxy's stats page says: { 'smtp/worker1': 'UP', ... }. */
  status(): Promise<Record<string, string>>;
}

/** Worker nodes A and B (POSTROOM_ROLES=worker), each on its own Galera node (the first two). */
export function startWorkerPair(
  run: ClusterRun,
  galera: GaleraNode[],
  env: (name: string) => Record<string, string>,
): Promise<[PostroomNode, PostroomNode]> {
  const start = (name: string, node: GaleraNode) =>
    startPostroomNode(run, name, { roles: 'worker', databaseUrl: node.url('postroom'), env: env(name) });
  return Promise.all([start('worker-a', galera[0]!), start('worker-b', galera[1]!)]);
}

/** HAProxy in front of SMTP, submission, IMAP and POP3 of the worker nodes, PROXY v2, health-checked. */
export async function startHaproxy(run: ClusterRun, workers: PostroomNode[]): Promise<Haproxy> {
  const ports = {
    smtp: await freePort(),
    submission: await freePort(),
    imap: await freePort(),
    pop3: await freePort(),
    stats: await freePort(),
  };
  const lines = [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  retries 2',
    '  option redispatch',
    'listen stats',
    `  bind 127.0.0.1:${ports.stats}`,
    '  mode http',
    '  stats enable',
    '  stats uri /stats',
  ];
  for (const service of ['smtp', 'submission', 'imap', 'pop3'] as const) {
    lines.push(
      `frontend ${service}_in`,
      `  bind 127.0.0.1:${ports[service]}`,
      `  default_backend ${service}`,
      `backend ${service}`,
      // The worker's /ready says 503 when its database does not answer (server/ops/database-probe.ts).
      '  option httpchk GET /ready',
      // A check may wait for a loaded machine (without this, `inter` is the timeout and a slow
      // answer takes a healthy node out); a dead node or database is refused at once anyway.
      '  timeout check 3s',
      // Sessions on a node taken out are cut, so their clients reconnect to a live one.
      `  default-server inter 300ms fall 2 rise 2 on-marked-down shutdown-sessions send-proxy-v2 source ${PROXY_SOURCE}`,
      ...workers.map(
        (worker) =>
          `  server ${worker.name} 127.0.0.1:${worker.ports[service]} check port ${worker.ports.ready}`,
      ),
    );
  }
  const config = join(run.dir, 'haproxy.cfg');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child = run.spawn('haproxy', '/usr/sbin/haproxy', ['-db', '-f', config], process.env);
  const haproxy: Haproxy = {
    ports,
    child,
    async status() {
      const csv = await (await fetch(`http://127.0.0.1:${ports.stats}/stats;csv`)).text();
      const result: Record<string, string> = {};
      for (const row of csv.split('\n').slice(1)) {
        const fields = row.split(',');
        if (fields.length > 17 && fields[1] !== 'FRONTEND' && fields[1] !== 'BACKEND')
          result[`${fields[0]}/${fields[1]}`] = fields[17]!;
      }
      return result;
    },
  };
  await waitFor(
    'haproxy to see every worker up',
    async () => {
      if (!alive(child)) throw new Error(`haproxy exited; see ${run.log('haproxy')}`);
      const status = await haproxy.status();
      return (
        Object.keys(status).length === workers.length * 4 && Object.values(status).every((s) => s === 'UP')
      );
    },
    30_000,
    200,
  );
  return haproxy;
}
