// The logger gathers info lines and writes them every 50 ms (server/core/logger.ts): a process that
// exits straight after logging, or logs a warning, must still put out every line, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const LOGGER = join(import.meta.dirname, '..', '..', 'server', 'core', 'logger.ts');

function runChild(body: string): { stdout: string; stderr: string } {
  const script = `import { logger } from ${JSON.stringify(LOGGER)};\n${body}`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, POSTROOM_LOG: '' },
  });
  assert.equal(result.status, 0, result.stderr);
  return { stdout: result.stdout, stderr: result.stderr };
}

const messages = (output: string) =>
  output
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { msg: string }).msg);

test('lines logged just before process.exit() are written, in order', () => {
  const { stdout } = runChild("logger.info('one'); logger.info('two'); process.exit(0);");
  assert.deepEqual(messages(stdout), ['one', 'two']);
});

test('an idle process that ends on its own writes its last lines', () => {
  const { stdout } = runChild("logger.info('last words');");
  assert.deepEqual(messages(stdout), ['last words']);
});

test('a warning goes out at once, after the info lines before it', () => {
  const { stdout, stderr } = runChild(
    "logger.info('before'); logger.warn('careful'); process.stdout.write('marker\\n'); logger.info('after');",
  );
  // 'before' is on stdout ahead of the marker written right after the warning.
  assert.deepEqual(
    stdout
      .trim()
      .split('\n')
      .slice(0, 2)
      .map((line) => (line === 'marker' ? line : JSON.parse(line).msg)),
    ['before', 'marker'],
  );
  assert.deepEqual(messages(stderr), ['careful']);
  assert.match(stdout, /"after"/);
});
