// `postroom start` (what `npm start` runs) as a new user runs it: migrates a fresh database,
// builds the console and the server if needed (a stale server build is rebuilt), and every port
// answers; the running processes are compiled JavaScript with no transpiler (tsx, esbuild) loaded;
// a killed worker is restarted; SIGTERM stops everything cleanly with exit code 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { processTree } from '../../bench/support/process-tree';
import { SERVER_DIST, serverBuildIsCurrent } from '../../scripts/build-server.js';
import { freePort } from '../helpers/free-port';

const root = join(import.meta.dirname, '..', '..');
let testDb: TestDatabase;
let supervisor: ChildProcess;
let output = '';
const ports: Record<string, number> = {};
let builtBefore = 0;

async function answers(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let greeting = '';
    const done = (value: string | null) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1500, () => done(greeting || (port === ports.PORT ? 'open' : null)));
    socket.on('data', (chunk) => {
      greeting += chunk.toString();
      if (greeting.includes('\n')) done(greeting);
    });
    socket.on('connect', () => {
      if (
        port === ports.PORT ||
        port === ports.POSTROOM_SMTPS_PORT ||
        port === ports.POSTROOM_IMAPS_PORT ||
        port === ports.POSTROOM_POP3S_PORT
      )
        done('open');
    });
    socket.on('error', () => done(null));
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}\n--- output ---\n${output.slice(-4000)}`);
}

before(async () => {
  testDb = await createTestDatabase();
  // A source newer than the build (the build script is one of its sources and, unlike server/,
  // not one of the console's): `postroom start` must notice and rebuild, never run old code.
  const now = new Date();
  utimesSync(join(root, 'scripts', 'build-server.js'), now, now);
  assert.equal(serverBuildIsCurrent(), false, 'the touched source makes the build stale');
  builtBefore = Date.now();
  for (const name of [
    'PORT',
    'POSTROOM_SMTP_PORT',
    'POSTROOM_SUBMISSION_PORT',
    'POSTROOM_SMTPS_PORT',
    'POSTROOM_IMAP_PORT',
    'POSTROOM_IMAPS_PORT',
    'POSTROOM_POP3_PORT',
    'POSTROOM_POP3S_PORT',
    'POSTROOM_MANAGESIEVE_PORT',
  ]) {
    ports[name] = await freePort();
  }
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    POSTROOM_HOSTNAME: 'mail.startup.test',
    POSTROOM_LOG: '',
  };
  supervisor = spawn(process.execPath, [join(root, 'bin', 'postroom.js'), 'start'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  supervisor.stdout!.on('data', (chunk) => (output += chunk));
  supervisor.stderr!.on('data', (chunk) => (output += chunk));
});

after(async () => {
  if (supervisor.exitCode === null) supervisor.kill('SIGKILL');
  await testDb.cleanup();
});

test('every port answers, with the right greetings', { timeout: 600_000 }, async () => {
  await waitFor(
    async () => (await Promise.all(Object.values(ports).map(answers))).every(Boolean),
    540_000,
    'all ports',
  );
  assert.match((await answers(ports.POSTROOM_SMTP_PORT!))!, /^220 mail\.startup\.test ESMTP/);
  assert.match((await answers(ports.POSTROOM_IMAP_PORT!))!, /^\* OK/);
  assert.match((await answers(ports.POSTROOM_POP3_PORT!))!, /^\+OK/);
  const page = await fetch(`http://127.0.0.1:${ports.PORT}/`, { redirect: 'manual' });
  assert.ok(page.status < 500, `web answered ${page.status}`);
});

test('a stale server build was rebuilt before starting', () => {
  // Judged by the files' times, not by the live sources, which others may be editing meanwhile.
  for (const entry of ['build-stamp', 'cli.js', 'main.js', 'worker.js'])
    assert.ok(statSync(join(SERVER_DIST, entry)).mtimeMs >= builtBefore - 1000, `${entry} rebuilt`);
});

test('no running process has a transpiler loaded: supervisor, web and worker run compiled code', () => {
  const tree = processTree(supervisor.pid!);
  const roles = new Set(tree.map((process) => process.role));
  for (const role of ['supervisor', 'web', 'worker'])
    assert.ok(roles.has(role), `${role} runs\n--- output ---\n${output.slice(-3000)}`);
  for (const process of tree) {
    const what = `${process.role} (pid ${process.pid}): ${process.args.join(' ')}`;
    // tsx is loaded by --import/--require/--loader or NODE_OPTIONS; its esbuild runs as a child.
    assert.doesNotMatch(process.args.join(' '), /tsx|esbuild|--loader|--import|--require|\.ts/, what);
    const environment = readFileSync(`/proc/${process.pid}/environ`, 'utf8').split('\0');
    const nodeOptions = environment.find((entry) => entry.startsWith('NODE_OPTIONS=')) ?? '';
    assert.doesNotMatch(nodeOptions, /tsx|--loader|--import|--require/, what);
  }
  const supervisorArgs = tree.find((process) => process.role === 'supervisor')!.args.join(' ');
  assert.match(supervisorArgs, /bin\/postroom\.js start/);
  const workers = tree.filter((process) => process.role === 'worker');
  for (const worker of workers) assert.match(worker.args.join(' '), /dist\/server\/worker\.js/);
});

test('the favicon and app icons are served from public/', async () => {
  const favicon = await fetch(`http://127.0.0.1:${ports.PORT}/favicon.ico`);
  assert.equal(favicon.status, 200);
  const bytes = Buffer.from(await favicon.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 1, 0], 'an ICO file');
  for (const icon of ['/apple-touch-icon.png', '/icon-192.png', '/icon-512.png']) {
    const response = await fetch(`http://127.0.0.1:${ports.PORT}${icon}`);
    assert.equal(response.status, 200, icon);
    assert.equal(response.headers.get('content-type'), 'image/png', icon);
  }
  const signin = await (await fetch(`http://127.0.0.1:${ports.PORT}/signin`)).text();
  assert.match(signin, /<link rel="icon" href="\/favicon\.ico"/);
});

test('a killed mail worker is logged and restarted', { timeout: 120_000 }, async () => {
  const children = execFileSync('pgrep', ['-P', String(supervisor.pid)])
    .toString()
    .trim()
    .split('\n')
    .map(Number);
  const worker = children.find((pid) =>
    execFileSync('ps', ['-o', 'args=', '-p', String(pid)])
      .toString()
      .includes('worker.js'),
  );
  assert.ok(worker, 'worker process found');
  process.kill(worker, 'SIGKILL');
  await waitFor(async () => output.includes('worker exited unexpectedly'), 10_000, 'the crash to be logged');
  await waitFor(
    async () =>
      (await answers(ports.POSTROOM_IMAP_PORT!)) !== null &&
      (await answers(ports.POSTROOM_SMTP_PORT!)) !== null,
    60_000,
    'the worker to come back',
  );
});

test('SIGTERM stops web and worker and exits 0', { timeout: 60_000 }, async () => {
  const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
  supervisor.kill('SIGTERM');
  assert.equal(await exited, 0);
  for (const port of Object.values(ports)) assert.equal(await answers(port), null, `port ${port} closed`);
});
