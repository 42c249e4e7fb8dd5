// A node:test reporter that counts finished tests (not suites) and writes the totals as JSON, with
// the wall time of each test file in ms: { passed, failed, skipped, files: { path: ms } }. The
// runner reports no event for a whole file, so a file's time runs from the previous file's last
// event (or the start) to its own last one: exact with --test-concurrency=1, where files run one
// after the other, start-up included.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, files: {} };
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
    else counts.failed++;
  }
  yield JSON.stringify(counts);
}
