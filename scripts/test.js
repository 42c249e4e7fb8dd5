// `npm test`: the whole suite. Unit tests run once; integration tests run on the embedded SQLite
// database and again on MariaDB (POSTROOM_TEST_MYSQL_URL, default root@127.0.0.1:3306); e2e
// (browser) tests run once, then the cluster test (test/cluster: three Galera nodes, two worker nodes
// and a web node behind HAProxy) once. Prints one closing line: "N passed, N failed, N skipped".
// Usage: npm test [-- unit|integration|e2e|cluster ...] [--sqlite-only|--mysql-only] [--grep PATTERN]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const groups = args.filter((arg) => ['unit', 'integration', 'e2e', 'cluster'].includes(arg));
const selected = groups.length ? groups : ['unit', 'integration', 'e2e', 'cluster'];
const grepIndex = args.indexOf('--grep');
const grep = grepIndex >= 0 ? args[grepIndex + 1] : undefined;
const providers = args.includes('--sqlite-only')
  ? ['sqlite']
  : args.includes('--mysql-only')
    ? ['mysql']
    : ['sqlite', 'mysql'];

function testFiles(dir) {
  const full = join(root, 'test', dir);
  if (!existsSync(full)) return [];
  const found = [];
  for (const name of readdirSync(full).sort()) {
    const path = join(full, name);
    if (statSync(path).isDirectory()) found.push(...testFiles(join(dir, name)));
    else if (/\.test\.tsx?$/.test(name) && (!grep || path.includes(grep))) found.push(path);
  }
  return found;
}

// Debian packages, MariaDB and the reference servers: installed or started when missing (as root),
// or a clear stop with the command to run.
if (process.env.POSTROOM_TEST_SETUP !== '0') {
  const setup = spawnSync('bash', [join(root, 'scripts/test-setup.sh')], { cwd: root, stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
function run(label, files, env) {
  if (files.length === 0) return;
  console.log(`\n=== ${label}: ${files.length} file(s) ===`);
  const countsFile = join(tmpdir(), `postroom-counts-${process.pid}-${Date.now()}.json`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      // A test that hangs fails after ten minutes instead of holding the whole run.
      '--test-timeout=600000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts/count-reporter.js')}`,
      `--test-reporter-destination=${countsFile}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, POSTROOM_LOG: 'silent', ...env } },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
    rmSync(countsFile, { force: true });
  } catch {
    counts.failed += 1; // the runner died before reporting
  }
  if (result.status !== 0 && counts.failed === 0) counts.failed += 1;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}

if (selected.includes('unit')) run('unit', testFiles('unit'), {});
if (selected.includes('integration')) {
  for (const provider of providers)
    run(`integration on ${provider}`, testFiles('integration'), { POSTROOM_TEST_DB: provider });
}
if (selected.includes('e2e'))
  run('e2e (chromium)', testFiles('e2e'), {
    POSTROOM_TEST_DB: providers.includes('mysql') ? 'mysql' : 'sqlite',
  });

// Its own databases (Galera on random ports), so it runs once whatever the provider flags say.
if (selected.includes('cluster'))
  run('cluster (Galera)', testFiles('cluster'), { POSTROOM_TEST_DB: 'mysql' });

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
