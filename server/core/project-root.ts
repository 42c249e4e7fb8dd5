// The installation's root directory (where package.json, prisma/ and .next/ live), found the same
// way whether this code runs from its source (server/…) or from the ahead-of-time build
// (dist/server/…, scripts/build-server.js), where the depth below the root differs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

const thisFile = fileURLToPath(import.meta.url);

export const projectRoot = findProjectRoot(dirname(thisFile));

/** True in the ahead-of-time build: children are then started from dist/server/*.js, not through tsx. */
export const runsCompiled = thisFile.endsWith('.js');

/** Where scripts/build-server.js puts the compiled entry points (cli.js, main.js, worker.js). */
export const compiledDir = join(projectRoot, 'dist', 'server');
