// Starts a built Postroom (the Next.js web app and, when asked, the mail worker) on ephemeral
// ports against a fresh test database, for browser tests. The build is shared and made at most
// once per source change (server/web-build.ts keeps a fingerprint and a lock).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { ensureWebBuild } from '../../../server/web-build';
import { freePort } from '../../helpers/free-port';

export const projectRoot = join(import.meta.dirname, '..', '..', '..');

export interface RunningApp {
  baseUrl: string;
  db: TestDatabase;
  /** Ports of the mail worker's listeners (smtp, submission, imap, ...), when it was started. */
  workerPorts: Record<string, number>;
  logs(): string;
  close(): Promise<void>;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`web app exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`web app did not answer at ${url}`);
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Starts the mail worker with every listener on an ephemeral port and reads back the bound ports. */
async function startWorker(
  env: NodeJS.ProcessEnv,
  output: string[],
): Promise<{ child: ChildProcess; ports: Record<string, number> }> {
  const ports = {
    POSTROOM_SMTP_PORT: '0',
    POSTROOM_SUBMISSION_PORT: '0',
    POSTROOM_SMTPS_PORT: '0',
    POSTROOM_IMAP_PORT: '0',
    POSTROOM_IMAPS_PORT: '0',
    POSTROOM_POP3_PORT: '0',
    POSTROOM_POP3S_PORT: '0',
    POSTROOM_MANAGESIEVE_PORT: '0',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'server', 'worker.ts')], {
    cwd: projectRoot,
    env: { ...env, ...ports, POSTROOM_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // not left running behind a failed test
      reject(new Error(`mail worker did not start:\n${output.join('').slice(-2000)}`));
    }, 90_000); // a loaded machine takes long to load the protocol code and the database client
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mail worker exited with ${code}:\n${output.join('').slice(-2000)}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      buffered += chunk.toString();
      for (const line of buffered.split('\n').slice(0, -1)) {
        try {
          const entry = JSON.parse(line) as { msg?: string } & Record<string, unknown>;
          if (entry.msg === 'mail worker listening') {
            clearTimeout(timer);
            child.removeAllListeners('exit');
            const { msg: _msg, time: _time, level: _level, ...bound } = entry;
            resolve({ child, ports: bound as Record<string, number> });
          }
        } catch {
          // not a JSON log line
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A private copy of the current build for this run, taken under the build lock of
 * server/web-build.ts: another test run's rebuild then cannot change files under our server.
 */
async function snapshotBuild(): Promise<{ distDir: string; remove(): void }> {
  const lock = join(projectRoot, '.next-build.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 15 * 60_000) throw new Error('the web build lock was never released');
      await sleep(200);
    }
  }
  const distDir = join(
    'node_modules',
    '.cache',
    'postroom-e2e',
    `${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const source = join(projectRoot, '.next');
    cpSync(source, join(projectRoot, distDir), {
      recursive: true,
      filter: (path) => !path.startsWith(join(source, 'cache')) && !path.startsWith(join(source, 'dev')),
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return { distDir, remove: () => rmSync(join(projectRoot, distDir), { recursive: true, force: true }) };
}

export async function startApp(
  options: { worker?: boolean; env?: Record<string, string>; unsetEnv?: string[] } = {},
): Promise<RunningApp> {
  await ensureWebBuild();
  const build = await snapshotBuild();
  const db = await createTestDatabase();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXTAUTH_URL: baseUrl,
    POSTROOM_DATA_DIR: db.dataDir,
    POSTROOM_HOSTNAME: 'mail.postroom.test',
    POSTROOM_LOG: process.env.POSTROOM_E2E_LOG ?? 'silent',
    NEXT_TELEMETRY_DISABLED: '1',
    ...options.env,
  };
  if (db.url) env.DATABASE_URL = db.url;
  else delete env.DATABASE_URL;
  for (const name of options.unsetEnv ?? []) delete env[name];
  // The worker first, so the web app (the webmail is an IMAP/SMTP client) knows its bound ports.
  let worker: { child: ChildProcess; ports: Record<string, number> } | undefined;
  if (options.worker) {
    try {
      worker = await startWorker(env, output);
    } catch (error) {
      await db.cleanup();
      build.remove();
      throw error;
    }
    if (worker.ports.imap) env.POSTROOM_IMAP_PORT = String(worker.ports.imap);
    if (worker.ports.submission) env.POSTROOM_SUBMISSION_PORT = String(worker.ports.submission);
  }
  const web = spawn(
    process.execPath,
    [
      join(projectRoot, 'node_modules', 'next', 'dist', 'bin', 'next'),
      'start',
      '-p',
      String(port),
      '-H',
      '127.0.0.1',
    ],
    {
      cwd: projectRoot,
      env: { ...env, POSTROOM_NEXT_DIST_DIR: build.distDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  web.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  web.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  web.on('exit', (code, signal) => output.push(`web app exited (code ${code}, signal ${signal})\n`));
  try {
    await waitForHttp(`${baseUrl}/signin`, web);
  } catch (error) {
    await Promise.all([stopChild(web), stopChild(worker?.child)]);
    await db.cleanup();
    build.remove();
    throw error;
  }
  return {
    baseUrl,
    db,
    workerPorts: worker?.ports ?? {},
    logs: () => output.join(''),
    async close() {
      await Promise.all([stopChild(web), stopChild(worker?.child)]);
      await db.cleanup();
      build.remove();
    },
  };
}
