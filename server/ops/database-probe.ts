// Whether this node's database answers, for the mail worker's /ready (worker-endpoint.ts). Behind a
// load balancer that health-checks that endpoint (HAProxy's `option httpchk GET /ready`), a node
// whose database is gone (its Galera node killed, or cut off from the cluster's quorum) is taken
// out of rotation at once, instead of answering every mail client that lands on it with 4xx.
// Asked on a connection of its own through the mariadb driver (not Prisma: the POSTROOM_WORKERS
// cluster primary, which serves /ready, does not load Prisma), and remembered for a second so a
// busy checker does not open a connection per request.
import { config } from '../core/config';
import { databaseTarget, mariadbOptions } from '../core/database-url';

const PROBE_TIMEOUT_MS = 2000;
const REMEMBER_MS = 1000;

let last: { at: number; problem: string | null } | undefined;
let pending: Promise<string | null> | undefined;

async function probeMysql(url: string): Promise<string | null> {
  const { default: mariadb } = await import('mariadb');
  let conn: Awaited<ReturnType<typeof mariadb.createConnection>> | undefined;
  try {
    conn = await mariadb.createConnection({
      ...mariadbOptions(url),
      connectTimeout: PROBE_TIMEOUT_MS,
      queryTimeout: PROBE_TIMEOUT_MS,
    });
    // A Galera node that lost the primary component still accepts connections but refuses work.
    // (A MariaDB server without Galera also says wsrep_ready OFF: only wsrep_on makes it count.)
    const wsrep = (await conn.query("SHOW VARIABLES LIKE 'wsrep_on'")) as { Value?: string }[];
    if (wsrep[0]?.Value === 'ON') {
      const rows = (await conn.query("SHOW STATUS LIKE 'wsrep_ready'")) as { Value?: string }[];
      if (rows[0]?.Value !== 'ON') return 'database node not ready (wsrep_ready OFF)';
    }
    await conn.query('SELECT 1');
    return null;
  } catch (error) {
    return `database: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await conn?.end().catch(() => {});
  }
}

/** null when the database answers; otherwise why not. SQLite (a local file) always answers. */
export async function databaseProblem(): Promise<string | null> {
  const cfg = config();
  const target = databaseTarget(cfg.databaseUrl, cfg.dataDir);
  if (target.provider !== 'mysql') return null;
  if (last && Date.now() - last.at < REMEMBER_MS) return last.problem;
  pending ??= probeMysql(target.location).then((problem) => {
    last = { at: Date.now(), problem };
    pending = undefined;
    return problem;
  });
  return pending;
}
