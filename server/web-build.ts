// Builds the Next.js console when .next is missing or older than the sources. A lock directory
// keeps two starting processes (or parallel test runs) from building at the same time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from './core/logger';
import { projectRoot } from './core/project-root';

const SOURCES = [
  'app',
  'components',
  'public',
  'server',
  'next.config.mjs',
  'postcss.config.mjs',
  'proxy.ts',
  'package-lock.json',
  'tsconfig.json',
];
const SKIP = new Set(['node_modules', '.next', 'generated']);

function fingerprint(): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!SKIP.has(name)) walk(join(path, name));
    } else {
      hash.update(`${path}:${stat.size}:${stat.mtimeMs}\n`);
    }
  };
  for (const source of SOURCES) walk(join(projectRoot, source));
  return hash.digest('hex');
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export async function ensureWebBuild(): Promise<void> {
  const stampFile = join(projectRoot, '.next', 'postroom-build-stamp');
  const lock = join(projectRoot, '.next-build.lock');
  for (let waited = 0; ; waited += 1000) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      sleep(1000);
    }
  }
  try {
    const wanted = fingerprint();
    if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) return;
    logger.info('building the web console (next build); this takes a minute or two the first time');
    const result = spawnSync(
      process.execPath,
      [join(projectRoot, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'],
      {
        cwd: projectRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      },
    );
    if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
    writeFileSync(stampFile, wanted);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
