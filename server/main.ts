// The supervisor behind `postroom start` / `npm start`: migrates, builds the web console when its
// build is missing or stale, then runs the web console and the mail worker as two child processes.
// A child that dies is logged and restarted with backoff; a worker that stops answering the
// heartbeat (heartbeat.ts) is killed and restarted; SIGTERM/SIGINT stop both cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { config } from './core/config';
import { migrate } from './core/migrate';
import { logger } from './core/logger';
import { ensureWebBuild } from './web-build';
import { WEB_NODE_FLAGS, WORKER_NODE_FLAGS } from './core/node-flags';
import { heartbeatSettings, watchHeartbeat } from './heartbeat';
import { compiledDir, projectRoot, runsCompiled } from './core/project-root';
import { restrictNewFileModes } from './core/data-dir';

const STOP_GRACE_MS = 10_000;

interface Supervised {
  name: string;
  child?: ChildProcess;
  exited: Promise<void>;
}

function childEnv(): NodeJS.ProcessEnv {
  const cfg = config();
  // Resolved once here so both children agree on the data directory and database.
  return {
    ...process.env,
    POSTROOM_DATA_DIR: cfg.dataDir,
    POSTROOM_HOSTNAME: cfg.hostname,
    NODE_ENV: 'production',
  };
}

function run(
  name: string,
  args: string[],
  isStopping: () => boolean,
  options: { heartbeat?: boolean } = {},
): Supervised {
  const entry: Supervised = { name, exited: Promise.resolve() };
  let delay = 1000;
  const startOne = () => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: projectRoot,
      env: childEnv(),
      stdio: options.heartbeat ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit'],
    });
    entry.child = child;
    const stopWatching = options.heartbeat
      ? watchHeartbeat(child, heartbeatSettings(), (silentForMs) => {
          if (isStopping()) return;
          logger.error(`${name} stopped answering heartbeats; killing it`, { pid: child.pid, silentForMs });
          child.kill('SIGKILL');
        })
      : () => undefined;
    entry.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        stopWatching();
        if (isStopping()) return resolve();
        logger.error(`${name} exited unexpectedly; restarting`, { code, signal, restartInMs: delay });
        delay = Date.now() - startedAt > 60_000 ? 1000 : Math.min(delay * 2, 30_000);
        setTimeout(() => {
          if (!isStopping()) startOne();
          resolve();
        }, delay);
      });
    });
    logger.info(`${name} started`, { pid: child.pid });
  };
  startOne();
  return entry;
}

async function stopAll(children: Supervised[]): Promise<void> {
  await Promise.all(
    children.map(async (entry) => {
      const child = entry.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await done;
      clearTimeout(timer);
      logger.info(`${entry.name} stopped`);
    }),
  );
}

/** The built worker (dist/server, scripts/build-server.js); from sources (tests) through tsx. */
function workerEntry(): string[] {
  return runsCompiled
    ? [join(compiledDir, 'worker.js')]
    : ['--import', 'tsx', join(projectRoot, 'server', 'worker.ts')];
}

export async function supervise(): Promise<number> {
  // bin/postroom.js runs `start` here without the CLI: what the supervisor creates is private too.
  restrictNewFileModes();
  const cfg = config();
  const roles = (process.env.POSTROOM_ROLES ?? 'web,worker').split(',').map((role) => role.trim());
  const result = await migrate(cfg.databaseUrl, cfg.dataDir, (line) => logger.info(line));
  logger.info('database ready', {
    provider: cfg.databaseUrl ? 'mysql' : 'sqlite',
    applied: result.applied.length,
  });
  let stopping = false;
  const isStopping = () => stopping;
  const children: Supervised[] = [];
  if (roles.includes('web')) {
    await ensureWebBuild();
    const nextBin = join(projectRoot, 'node_modules', 'next', 'dist', 'bin', 'next');
    children.push(
      run(
        'web',
        [...WEB_NODE_FLAGS, nextBin, 'start', '-p', String(cfg.webPort), '-H', cfg.listen],
        isStopping,
      ),
    );
  }
  if (roles.includes('worker'))
    children.push(run('worker', [...WORKER_NODE_FLAGS, ...workerEntry()], isStopping, { heartbeat: true }));
  logger.info('postroom running', { web: `http://${cfg.listen}:${cfg.webPort}/`, hostname: cfg.hostname });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info('stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await stopAll(children);
  return 0;
}
