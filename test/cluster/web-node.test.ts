// Issue #17's web node: `postroom start` with POSTROOM_ROLES=web on the third Galera node of a
// three-node cluster (test/cluster/cluster.ts) serves its sign-in page, signs a super admin in and
// lists the mailbox that `postroom user add` made on a worker node's machine (the first Galera
// node, that worker's data directory). The web build is the shared one (server/web-build.ts:
// made at most once per source change, under a lock); when the sources changed since the last
// build, this file pays for a `next build` (minutes on a loaded machine), so it is a file of its
// own and does not eat galera.test.ts's time.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest, httpSignIn } from '../e2e/helpers/http-session';
import {
  ClusterRun,
  clusterPrerequisites,
  projectRoot,
  startGalera,
  startPostroomNode,
  type GaleraNode,
} from './cluster';

const PASSWORD = 'Correct-horse-9-battery';
const DOMAIN = 'cluster.test';
const missing = clusterPrerequisites();

let run: ClusterRun;
let galera: GaleraNode[];
let workerDataDir: string;
let failed = false;

before(async () => {
  if (missing) return;
  run = new ClusterRun();
  try {
    galera = await startGalera(run);
    await galera[0]!.query('CREATE DATABASE postroom CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    workerDataDir = join(run.dir, 'worker-a-data');
    mkdirSync(workerDataDir);
    process.env.POSTROOM_LOG = 'silent';
    const { migrate } = await import('../../server/core/migrate');
    await migrate(galera[0]!.url('postroom'), workerDataDir);
  } catch (error) {
    failed = true;
    console.log(run.dumpLogs());
    throw error;
  }
});

afterEach((context) => {
  // biome-ignore lint/suspicious/noExplicitAny: node:test's context carries no typed outcome here
  if ((context as any).passed === false) failed = true;
});

after(async () => {
  if (missing) return;
  if (failed) console.log(run.dumpLogs());
  await run.stopAll(failed);
});

test('the web node serves its sign-in page and lists a mailbox made on a worker node (its Galera node)', {
  skip: missing ?? false,
  timeout: 900_000,
}, async () => {
  // Made by the `postroom` command on a worker node's machine: its data directory, its Galera node.
  const address = `webadmin@${DOMAIN}`;
  const postroom = (args: string[], input?: string) => {
    const result = spawnSync(process.execPath, [join(projectRoot, 'bin', 'postroom.js'), ...args], {
      cwd: projectRoot,
      input,
      encoding: 'utf8',
      env: {
        ...process.env,
        DATABASE_URL: galera[0]!.url('postroom'),
        POSTROOM_DATA_DIR: workerDataDir,
        POSTROOM_LOG: 'silent',
      },
    });
    assert.equal(result.status, 0, `postroom ${args.join(' ')}: ${result.stdout}${result.stderr}`);
  };
  postroom(['domain', 'add', DOMAIN]);
  postroom(['user', 'add', address, '--password-stdin', '--role', 'super'], `${PASSWORD}\n`);
  // The shared build (server/web-build.ts: made at most once per source change, under a lock).
  const { ensureWebBuild } = await import('../../server/web-build');
  const buildStarted = Date.now();
  await ensureWebBuild();
  console.log(`web build ready after ${Math.round((Date.now() - buildStarted) / 1000)} s`);
  const web = await startPostroomNode(run, 'web', {
    roles: 'web',
    databaseUrl: galera[2]!.url('postroom'),
    env: { NEXT_TELEMETRY_DISABLED: '1' },
  });
  const base = `http://127.0.0.1:${web.ports.web}`;
  const page = await httpRequest(`${base}/signin`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Sign in with your mailbox address/);
  const signIn = await httpSignIn(base, address, PASSWORD);
  assert.ok(signIn.cookie, `signed in on the web node (${signIn.error ?? ''})`);
  const mailboxes = await httpRequest(`${base}/admin/mailboxes`, { headers: { cookie: signIn.cookie! } });
  assert.equal(mailboxes.status, 200);
  assert.ok(mailboxes.body.includes(address), 'the web node lists the mailbox made on the worker node');
});
