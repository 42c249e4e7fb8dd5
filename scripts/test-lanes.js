// How `npm test` shares its groups out between lanes that run at the same time. Each group's
// files run one after another in one node --test process; a group longer than a fair share of the
// whole (the total over the lanes) is split into parts, each its own process, by the time each
// file took in a recorded run (test/durations.json, written by `npm test -- --record-durations`;
// a file with no record weighs as the group's median). Then the longest runs are placed first,
// each into the lane with the least work so far. Every test file makes its own databases, data
// directories and ports, so parts of one group can run side by side.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Seconds per "<group key>:<file relative to the repository>", or {} when never recorded. */
export function readDurations(path) {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Merges this run's file times (ms per absolute path, per group key) and its preparations
 * (seconds per "<key>:<label>") into the record at `path`.
 */
export function recordDurations(path, root, timesByKey, preparations = {}) {
  const record = readDurations(path);
  // A preparation that found its work done (a build still fresh) says nothing of its real cost.
  for (const [key, seconds] of Object.entries(preparations))
    record[key] = Math.max(record[key] ?? 0, seconds);
  for (const [key, files] of Object.entries(timesByKey))
    for (const [file, ms] of Object.entries(files))
      record[`${key}:${relative(root, file)}`] = Math.round(ms / 1000);
  const sorted = Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(path, `${JSON.stringify(sorted, null, 2)}\n`);
}

function median(values) {
  if (values.length === 0) return 10;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Each file of `group` with its recorded weight in seconds. */
function weighFiles(group, root, durations) {
  const known = group.files.map((file) => durations[`${group.key}:${relative(root, file)}`]);
  const fallback = median(known.filter((value) => typeof value === 'number'));
  return group.files.map((file, index) => ({ file, seconds: known[index] ?? fallback }));
}

/** Longest first, each into the bin with the least so far (the usual greedy for makespan). */
function pack(items, binCount, weightOf) {
  const bins = Array.from({ length: binCount }, () => ({ items: [], seconds: 0 }));
  for (const item of [...items].sort((a, b) => weightOf(b) - weightOf(a))) {
    const bin = bins.reduce((least, candidate) => (candidate.seconds < least.seconds ? candidate : least));
    bin.items.push(item);
    bin.seconds += weightOf(item);
  }
  return bins;
}

/**
 * The groups as lanes: arrays of runs, each run a group or a part of one ({ ...group, label,
 * files }), in the order a lane runs them.
 */
export function planLanes(groups, laneCount, root, durations) {
  const weighed = groups.map((group) => {
    const files = weighFiles(group, root, durations);
    const extra = group.prepare ? (durations[`${group.key}:${group.prepare.label}`] ?? 0) : 0;
    return { group, files, extra, seconds: files.reduce((sum, f) => sum + f.seconds, 0) + extra };
  });
  const fairShare = weighed.reduce((sum, w) => sum + w.seconds, 0) / laneCount;
  const runs = [];
  for (const { group, files, extra, seconds } of weighed) {
    // A group a little over its share is split too: the lanes then end closer together.
    const parts = group.splittable
      ? Math.min(laneCount, Math.max(1, Math.ceil(seconds / fairShare - 0.25)))
      : 1;
    if (parts === 1) {
      runs.push({ ...group, seconds });
      continue;
    }
    // (a part with no files must never be run: node --test with none searches the whole tree)
    const bins = pack(files, parts, (f) => f.seconds).filter((bin) => bin.items.length > 0);
    bins.forEach((bin, index) => {
      const partFiles = new Set(bin.items.map((f) => f.file));
      runs.push({
        ...group,
        label: bins.length > 1 ? `${group.label} (part ${index + 1}/${bins.length})` : group.label,
        files: group.files.filter((file) => partFiles.has(file)),
        seconds: bin.seconds + extra,
      });
    });
  }
  return pack(runs, laneCount, (run) => run.seconds)
    .map((bin) => bin.items)
    .filter((lane) => lane.length > 0);
}
