// Per-address connection limits across nodes on one MariaDB database (server/cluster/node-counts.ts):
// two real mail workers started as two nodes (own data directories, so own node ids), node A as a
// cluster primary with two children (its primary publishes), node B as one process (it publishes
// itself). SMTP connections held on one node count against the other, both ways; they are given
// back when closed, and when node A is killed -9 once its rows are stale (not before); a node
// stopped by SIGTERM deletes its rows as it leaves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { createTestDatabase, TEST_PROVIDER, type TestDatabase } from '../helpers/db';
import { tcpPeer, type Peer } from '../helpers/misbehaving-peers';
import { mariadbOptions } from '../../server/core/database-url';
import { READ_INTERVAL_MS, STALE_MS } from '../../server/cluster/node-counts';
import { once } from 'node:events';
import { alive, type ClusterWorker, spawned, startClusterWorker, waitFor } from './worker-cluster';

const onMysql = TEST_PROVIDER === 'mysql';
const skip = onMysql ? false : 'MariaDB only (SQLite is one node)';
const MAX_SMTP_PER_ADDRESS = 3;
/** After a node's row says so, the other node has read it within a read interval; generous here. */
const SETTLE_MS = READ_INTERVAL_MS * 3;
let database: TestDatabase;
let sql: mariadb.Connection;
let nodeA: ClusterWorker;
let nodeB: ClusterWorker;
const dirs: string[] = [];
const peers: Peer[] = [];

before(async () => {
  if (!onMysql) return;
  database = await createTestDatabase();
  sql = await mariadb.createConnection(mariadbOptions(database.url!));
  const node = (workers: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'postroom-node-'));
    dirs.push(dir);
    return startClusterWorker({
      POSTROOM_WORKERS: workers,
      POSTROOM_DATA_DIR: dir,
      POSTROOM_SMTP_GREET_PAUSE_MS: '0',
      POSTROOM_SMTP_MAX_CONN_PER_IP: String(MAX_SMTP_PER_ADDRESS),
    });
  };
  [nodeA, nodeB] = await Promise.all([node('2'), node('1')]);
});
after(async () => {
  for (const peer of peers) peer.destroy();
  for (const child of spawned) if (child.pid && alive(child.pid)) child.kill('SIGKILL');
  for (const pid of nodeA ? nodeA.children().values() : []) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await sql?.end();
  await database?.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An SMTP connection to `node` and its greeting: 220, or the limit's 421. */
async function smtp(node: ClusterWorker): Promise<{ peer: Peer; greeting: string }> {
  const peer = await tcpPeer(node.ports.smtp!);
  peers.push(peer);
  return { peer, greeting: (await peer.waitFor(/^(220|421) .*\r\n/m))[0] };
}

async function hold(node: ClusterWorker, count: number): Promise<Peer[]> {
  const held: Peer[] = [];
  for (let i = 0; i < count; i++) {
    const { peer, greeting } = await smtp(node);
    assert.match(greeting, /^220 /, `connection ${i + 1} of ${count}`);
    held.push(peer);
  }
  return held;
}

/** Open SMTP connections by node id, as the table says. */
async function published(): Promise<number[]> {
  const rows = (await sql.query(
    "SELECT node_id, SUM(open_count) AS open FROM connection_counts WHERE counter = 'smtp' GROUP BY node_id ORDER BY node_id",
  )) as { node_id: string; open: number | bigint | string }[];
  return rows.map((row) => Number(row.open)).sort();
}

/** Until the table shows these open counts (any order), then the read interval's margin. */
async function settle(expected: number[]): Promise<void> {
  const want = JSON.stringify([...expected].sort());
  await waitFor(
    `published counts ${want}`,
    async () => JSON.stringify(await published()) === want,
    10_000,
  ).catch(async (error: unknown) => {
    const logs = [...nodeA.logs, ...nodeB.logs].filter((line) => /count/i.test(String(line.msg)));
    throw new Error(
      `${String(error)}; table has ${JSON.stringify(await published())}; ${JSON.stringify(logs)}`,
    );
  });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

test('SMTP connections held on one node count against the per-address limit on the other', {
  skip,
  timeout: 120_000,
}, async () => {
  const onA = await hold(nodeA, 2);
  await settle([2]);
  assert.match((await smtp(nodeB)).greeting, /^220 /, 'B: 2 on A + 0 here < 3');
  assert.match((await smtp(nodeB)).greeting, /^421 4\.7\.0 Too many connections/, 'B: 2 on A + 1 here');
  // The other way round: A's primary counts B's one.
  await settle([1, 2]);
  assert.match((await smtp(nodeA)).greeting, /^421 4\.7\.0 /, 'A: 2 here + 1 on B');
  // Closed on A: given back to B.
  for (const peer of onA) peer.destroy();
  await settle([1]);
  await hold(nodeB, 2);
  assert.match((await smtp(nodeB)).greeting, /^421 4\.7\.0 /, 'B: 3 here');
  for (const peer of peers) peer.destroy();
  await settle([]);
});

test('a node killed -9 counts on the other until its rows are stale, then no longer', {
  skip,
  timeout: 120_000,
}, async () => {
  await hold(nodeA, MAX_SMTP_PER_ADDRESS);
  await settle([MAX_SMTP_PER_ADDRESS]);
  assert.match((await smtp(nodeB)).greeting, /^421 4\.7\.0 /, 'B: 3 held on A');
  for (const pid of nodeA.children().values()) process.kill(pid, 'SIGKILL');
  nodeA.primary.kill('SIGKILL');
  const killedAt = Date.now();
  // Its sockets died, but nobody could delete its rows: they count until they are stale.
  assert.match((await smtp(nodeB)).greeting, /^421 4\.7\.0 /, 'B: A just died, its rows are fresh');
  let greeting = '';
  await waitFor(
    'B to accept once A is stale',
    async () => {
      greeting = (await smtp(nodeB)).greeting;
      if (/^220 /.test(greeting)) return true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      return false;
    },
    STALE_MS + 20_000,
  );
  const afterMs = Date.now() - killedAt;
  console.log(`node B accepted ${afterMs} ms after node A was killed -9 (stale after ${STALE_MS} ms)`);
  // The last refresh may have been up to a refresh interval before the kill.
  assert.ok(afterMs > STALE_MS - 6_000, `accepted after ${afterMs} ms, before A's rows were stale`);
});

test('a node stopped by SIGTERM deletes its rows as it leaves', { skip, timeout: 60_000 }, async () => {
  for (const peer of peers) peer.destroy();
  const rowsOfB = async () => {
    const rows = (await sql.query(
      'SELECT COALESCE(SUM(open_count), 0) AS open FROM connection_counts WHERE node_id LIKE ?',
      [`%:${dirs[1]}`],
    )) as { open: unknown }[];
    return Number(rows[0]?.open);
  };
  await hold(nodeB, 2);
  await waitFor("node B's rows", async () => (await rowsOfB()) === 2, 10_000);
  const exited = once(nodeB.primary, 'exit');
  nodeB.primary.kill('SIGTERM');
  await exited;
  assert.equal(await rowsOfB(), 0);
});
