// Compiles the server's TypeScript ahead of time into dist/server/ (git-ignored), so the running
// supervisor, mail worker and CLI load plain JavaScript: no transpiler (tsx, esbuild) in their
// memory or start-up. Entry points: cli.js (the `postroom` command), main.js (the supervisor of
// `postroom start`) and worker.js; packages from node_modules stay external (native addons,
// Prisma's runtime). Tests and benches keep running the sources through tsx.
//   node scripts/build-server.js           build when stale (what postinstall and bin/postroom.js do)
//   node scripts/build-server.js --force   build even when current
// The build is current when its stamp matches a fingerprint (path, size, mtime) of everything it is
// made from, so an edited, added, removed or checked-out-older source file means a rebuild.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_DIST = join(root, 'dist', 'server');
const STAMP_FILE = join(SERVER_DIST, 'build-stamp');
const ENTRY_POINTS = {
  cli: 'server/cli/main.ts',
  main: 'server/main.ts',
  worker: 'server/worker.ts',
  // for next.config.mjs: the web process reads it without a TypeScript transpiler
  'forwarded-headers': 'server/web/forwarded-headers.ts',
};
const CHUNKS = 'chunks';
/** Chunks of earlier builds are kept this long: a process started from one may still import them. */
const OLD_CHUNK_GRACE_MS = 7 * 86_400_000;
const SOURCES = ['server', 'scripts/build-server.js', 'package-lock.json', 'tsconfig.json'];

function walk(path, visit) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return;
  }
  if (!stat.isDirectory()) return visit(path, stat);
  for (const name of readdirSync(path).sort()) walk(join(path, name), visit);
}

/** A hash of every source file's path, size and modification time. */
export function serverFingerprint() {
  const hash = createHash('sha256');
  for (const source of SOURCES)
    walk(join(root, source), (path, stat) =>
      hash.update(`${relative(root, path)}:${stat.size}:${stat.mtimeMs}\n`),
    );
  return hash.digest('hex');
}

export function serverBuildIsCurrent(fingerprint = serverFingerprint()) {
  try {
    return readFileSync(STAMP_FILE, 'utf8') === fingerprint;
  } catch {
    return false;
  }
}

/** Each file goes in by rename, so a process starting during a (parallel) rebuild reads a whole file. */
function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

export async function buildServer({ force = false } = {}) {
  const fingerprint = serverFingerprint();
  if (!force && serverBuildIsCurrent(fingerprint)) return false;
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRY_POINTS,
    outdir: SERVER_DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // A dynamic import() of our own code becomes a chunk loaded on demand, so the packages only
    // it imports are not loaded by processes that never need it (esbuild hoists a bundle's
    // package imports to its top). Chunk names carry a content hash: a rebuild adds new ones.
    splitting: true,
    entryNames: '[name]',
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  // Chunks first, entry points after them: an entry point is never there before what it imports.
  const isChunk = (file) => file.path.startsWith(join(SERVER_DIST, CHUNKS));
  for (const file of result.outputFiles.filter(isChunk)) writeAtomically(file.path, file.contents);
  for (const file of result.outputFiles.filter((file) => !isChunk(file)))
    writeAtomically(file.path, file.contents);
  removeOldChunks(new Set(result.outputFiles.map((file) => file.path)));
  // Last: an interrupted build is never taken for a current one.
  writeAtomically(STAMP_FILE, fingerprint);
  return true;
}

function removeOldChunks(current) {
  const dir = join(SERVER_DIST, CHUNKS);
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const path = join(dir, name);
    if (current.has(path)) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > OLD_CHUNK_GRACE_MS) rmSync(path, { force: true });
    } catch {
      // removed by a parallel build
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const built = await buildServer({ force: process.argv.includes('--force') });
  if (built) console.log(`server built into ${relative(root, SERVER_DIST)}/ in ${Date.now() - started} ms`);
  else if (!existsSync(join(SERVER_DIST, 'cli.js'))) process.exitCode = 1;
}
