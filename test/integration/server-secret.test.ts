// The server secret (the key of webmail tokens, app passwords and two-factor secrets) on a fresh
// database: processes that need it at the same moment (the cluster's children at their first
// logins) all get the one secret that is stored. (imaptest on MariaDB with two worker children
// met the race: the loser's failed promise was cached and every later login there got SERVERBUG.
// This test has not reproduced the race against the old code; it guards the outcome.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { db } from '../../server/core/db';

const run = promisify(execFile);
const PROCESSES = 6;
const PRINT_SECRET = `
const { serverSecret } = await import('./server/auth/tokens.ts');
// Start together: each waits for the same wall-clock instant before asking.
await new Promise((resolve) => setTimeout(resolve, Number(process.env.AT) - Date.now()));
console.log((await serverSecret()).toString('hex'));
process.exit(0);
`;
let database: TestDatabase;

before(async () => {
  database = await createTestDatabase();
  delete process.env.POSTROOM_SECRET;
});
after(async () => {
  await database.cleanup();
});

test('processes asking for the secret at once on a fresh database all get the stored one', {
  timeout: 120_000,
}, async () => {
  const env = { ...process.env, POSTROOM_LOG: 'silent', AT: String(Date.now() + 8_000) };
  const outputs = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PRINT_SECRET], { env }),
    ),
  );
  const stored = await db().setting.findUniqueOrThrow({ where: { key: 'secret' } });
  for (const { stdout } of outputs) assert.equal(stdout.trim(), stored.value);
});
