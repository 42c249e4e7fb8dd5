// TypeScript strict mode over the whole tree (server, app, components, tests, bench): a type error
// anywhere fails the suite, as it would fail `next build` or hide a bug in the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

test('tsc --noEmit reports no errors', { timeout: 300_000 }, () => {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`.slice(0, 4000));
});
