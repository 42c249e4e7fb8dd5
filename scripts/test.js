// `npm test`: the whole suite. Unit tests run once; integration tests run on the embedded SQLite
// database and again on MariaDB (POSTROOM_TEST_MYSQL_URL, default root@127.0.0.1:3306); e2e
// (browser) tests run once, and the cluster test (test/cluster: three Galera nodes, two worker
// nodes and a web node behind HAProxy) once. The groups are independent (each test file makes its
// own databases, data directories and ports), so they run at the same time in six lanes
// (POSTROOM_TEST_LANES), long groups split into parts by recorded file times (test-lanes.js says
// how). Each run is one node --test process writing its own log, printed whole when it ends, with
// its time, CPU time and slowest files. Prints one closing line: "N passed, N failed, N skipped".
// Usage: npm test [-- unit|integration|e2e|cluster ...] [--sqlite-only|--mysql-only]
//        [--grep PATTERN] [--serial] [--record-durations]
//        --serial: one group after another, output streamed, as when a single group runs;
//        --record-durations: this run's file times into test/durations.json, for the lanes.
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { planLanes, readDurations, recordDurations } from './test-lanes.js';
import { mkdtempSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
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
  const started = Date.now();
  const setup = spawnSync('bash', [join(root, 'scripts/test-setup.sh')], { cwd: root, stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
  console.log(`test set-up: ${seconds(Date.now() - started)}`);
}

/** CPU seconds (user + system) of this process's finished children and their descendants. */
function childrenCpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime + cstime, in clock ticks
  } catch {
    return Number.NaN;
  }
}

function seconds(ms) {
  return `${Math.round(ms / 1000)} s`;
}

const runs = [];
if (selected.includes('unit')) runs.push({ label: 'unit', key: 'unit', files: testFiles('unit'), env: {} });
if (selected.includes('integration'))
  for (const provider of providers)
    runs.push({
      label: `integration on ${provider}`,
      key: provider,
      splittable: true,
      files: testFiles('integration'),
      env: { POSTROOM_TEST_DB: provider },
    });
if (selected.includes('e2e'))
  runs.push({
    label: 'e2e (chromium)',
    key: 'e2e',
    splittable: true,
    files: testFiles('e2e'),
    env: { POSTROOM_TEST_DB: providers.includes('mysql') ? 'mysql' : 'sqlite' },
    // The console's production build, which every e2e file starts (server/web-build.ts: made
    // when missing or stale, under a lock), made first.
    prepare: {
      label: 'next build',
      argv: [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "import { ensureWebBuild } from './server/web-build.ts'; await ensureWebBuild();",
      ],
    },
  });
// Its own databases (Galera on random ports), so it runs once whatever the provider flags say.
if (selected.includes('cluster'))
  runs.push({
    label: 'cluster (Galera)',
    key: 'cluster',
    files: testFiles('cluster'),
    env: { POSTROOM_TEST_DB: 'mysql' },
  });
const active = runs.filter((run) => run.files.length > 0);
const laneCount = Math.max(1, Number(process.env.POSTROOM_TEST_LANES) || 6);
const durationsFile = join(root, 'test', 'durations.json');
const parallel = active.length > 1 && !args.includes('--serial');
const logDir = mkdtempSync(join(tmpdir(), 'postroom-test-logs-'));

const children = new Set();
// Stopped (Ctrl-C, a CI timeout): the groups' runners stop too, not left running behind.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const child of children)
      try {
        process.kill(-child.pid, signal); // its process group: the test files and their servers
      } catch {
        child.kill(signal);
      }
    rmSync(logDir, { recursive: true, force: true });
    process.exit(130);
  });

let cpuReaped = childrenCpuSeconds();

/** Runs node with these arguments, its output to `stdio`; resolves with its exit code and signal. */
function node(argv, env, stdio) {
  const child = spawn(process.execPath, argv, {
    cwd: root,
    stdio,
    detached: true,
    env: { ...process.env, POSTROOM_LOG: 'silent', ...env },
  });
  children.add(child);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      // The CPU time of a child and its descendants is added to ours when it is reaped, just now.
      const cpuNow = childrenCpuSeconds();
      resolve({ code, signal, cpu: cpuNow - cpuReaped });
      cpuReaped = cpuNow;
    });
  });
}

/**
 * Runs one group: its preparation if any (the e2e group's `next build`, outside the ten-minute
 * limit of a test file, which a build on a busy machine can exceed), then its files in one
 * node --test process. Resolves with its counts and file times.
 */
async function run({ label, key, files, env, prepare }) {
  const slug = label.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '');
  const countsFile = join(logDir, `${slug}.counts.json`);
  const logFile = join(logDir, `${slug}.log`);
  const started = Date.now();
  if (!parallel) console.log(`\n=== ${label}: ${files.length} file(s) ===`);
  const log = parallel ? openSync(logFile, 'w') : undefined;
  const stdio = parallel ? ['ignore', log, log] : 'inherit';
  let counts = { passed: 0, failed: 0, skipped: 0, files: {}, failures: [] };
  let how = '';
  let prepared = '';
  let prepareMs;
  let exit = { code: 0, signal: null };
  let cpu = 0;
  if (prepare) {
    exit = await node(prepare.argv, env, stdio);
    cpu += exit.cpu;
    prepareMs = Date.now() - started;
    prepared = `, ${prepare.label} ${seconds(prepareMs)}`;
    if (exit.code !== 0) {
      counts.failed += 1;
      how = ` (${prepare.label} failed, its files not run)`;
    }
  }
  if (exit.code === 0) {
    exit = await node(
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
      env,
      stdio,
    );
    cpu += exit.cpu;
    try {
      counts = JSON.parse(readFileSync(countsFile, 'utf8'));
    } catch {
      counts.failed += 1; // the runner died before reporting
    }
    if (exit.code !== 0 && counts.failed === 0) counts.failed += 1;
    if (exit.signal) how = ` (killed by ${exit.signal})`;
  }
  const ms = Date.now() - started;
  if (parallel) {
    closeSync(log);
    console.log(`\n=== ${label}: ${files.length} file(s), ${seconds(ms)} ===`);
    process.stdout.write(readFileSync(logFile, 'utf8'));
  }
  const slowest = Object.entries(counts.files ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([file, fileMs]) => `${relative(root, file)} ${seconds(fileMs)}`);
  const summary = `${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${seconds(ms)}${prepared}${how}, CPU ${Math.round(cpu)} s`;
  console.log(`\n${summary}${slowest.length ? `; slowest files: ${slowest.join(', ')}` : ''}`);
  return { ...counts, label, summary, cpu, key, prepare: prepare && { label: prepare.label, ms: prepareMs } };
}

const startedAll = Date.now();
const results = [];
if (parallel) {
  const lanes = planLanes(active, laneCount, root, readDurations(durationsFile));
  console.log(`\nRunning ${lanes.length} lanes at the same time; each run's output follows when it ends.`);
  for (const [n, lane] of lanes.entries())
    console.log(
      `  lane ${n + 1}: ${lane.map((r) => `${r.label}, ${r.files.length} files, ~${r.seconds} s`).join('; then ')}`,
    );
  const pending = new Set(lanes.flat().map((group) => group.label));
  // A line now and then, so that a long run shows it is alive and what it still waits for.
  const ticker = setInterval(
    () => console.log(`... ${seconds(Date.now() - startedAll)}: still running ${[...pending].join(', ')}`),
    300_000,
  );
  await Promise.all(
    lanes.map(async (lane) => {
      for (const group of lane) {
        results.push(await run(group));
        pending.delete(group.label);
      }
    }),
  );
  clearInterval(ticker);
} else {
  for (const group of active) results.push(await run(group));
}
rmSync(logDir, { recursive: true, force: true });
if (args.includes('--record-durations')) {
  const timesByKey = {};
  const preparations = {};
  for (const result of results) {
    Object.assign((timesByKey[result.key] ??= {}), result.files);
    if (result.prepare?.ms !== undefined)
      preparations[`${result.key}:${result.prepare.label}`] = Math.round(result.prepare.ms / 1000);
  }
  recordDurations(durationsFile, root, timesByKey, preparations);
  console.log(`file times recorded in ${relative(root, durationsFile)}`);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const result of results) {
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
}
if (results.length > 1) console.log(`\n${results.map((result) => result.summary).join('\n')}`);
const failures = results.flatMap((result) =>
  (result.failures ?? []).map((failure) => ({ ...failure, label: result.label })),
);
if (failures.length) {
  console.log(`\nFailures (${failures.length}), as each run reported them:`);
  for (const failure of failures) {
    const where = failure.file ? relative(root, failure.file) : 'unknown file';
    console.log(`\n✖ ${failure.label}: ${where}: ${failure.name}`);
    if (failure.error) console.log(failure.error.replace(/^/gm, '    '));
  }
}
const cpuTotal = results.reduce((sum, result) => sum + result.cpu, 0);
console.log(`\ntests took ${seconds(Date.now() - startedAll)}, CPU ${Math.round(cpuTotal)} s`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
