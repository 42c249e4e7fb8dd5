// A node:test reporter that counts finished tests (not suites) and writes the totals as JSON, with
// the wall time of each test file in ms: { passed, failed, skipped, files: { path: ms } }. The
// runner reports no event for a whole file, so a file's time runs from the previous file's last
// event (or the start) to its own last one: exact with --test-concurrency=1, where files run one
// after the other, start-up included. Each failed test also leaves its name, file and the start of
// its error in `failures`, which the runner prints again at the very end, where a reader of a long
// CI log (often only its tail) looks first.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, files: {}, failures: [] };
  let last = Date.now();
  let current;
  let start = last;
  for await (const event of source) {
    const file = event.data?.file;
    if (file) {
      const now = Date.now();
      if (file !== current) {
        current = file;
        start = last - (counts.files[file] ?? 0);
      }
      counts.files[file] = now - start;
      last = now;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.data.skip || event.data.todo) counts.skipped++;
    else if (event.type === 'test:pass') counts.passed++;
    else {
      counts.failed++;
      counts.failures.push({ name: event.data.name, file, error: describe(event.data.details?.error) });
    }
  }
  yield JSON.stringify(counts);
}

/** The first lines of a failure's error; node:test wraps what the test threw, so that comes first. */
function describe(error) {
  if (!error) return '';
  const thrown = error.code === 'ERR_TEST_FAILURE' && error.cause ? error.cause : error;
  const text = typeof thrown === 'object' ? (thrown.stack ?? thrown.message) : thrown;
  return String(text).split('\n').slice(0, 14).join('\n');
}
