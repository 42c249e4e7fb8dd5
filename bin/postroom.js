#!/usr/bin/env node
// The `postroom` command. It runs the server compiled ahead of time (dist/server/, see
// scripts/build-server.js), so no transpiler sits in the memory of the supervisor and its children;
// a missing or stale build (any source newer or different) is rebuilt first, in a separate process
// so that esbuild is not loaded here either. `postroom start` loads the supervisor alone, not the
// CLI's commands: it stays running for as long as the server does.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_DIST, serverBuildIsCurrent } from '../scripts/build-server.js';

if (!serverBuildIsCurrent()) {
  const builder = join(import.meta.dirname, '..', 'scripts', 'build-server.js');
  const result = spawnSync(process.execPath, [builder], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) {
    console.error(`postroom: building the server failed (node ${builder})`);
    process.exit(1);
  }
}
const compiled = (name) => import(pathToFileURL(join(SERVER_DIST, name)).href);
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === 'start') {
  const { supervise } = await compiled('main.js');
  process.exitCode = await supervise();
} else {
  const { main } = await compiled('cli.js');
  process.exitCode = await main(argv);
}
