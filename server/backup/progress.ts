// Progress of a long backup, restore or verification: one line per phase, updated at most a few
// times a second (in place on a terminal, as plain lines at most every five seconds otherwise).
export type ProgressSink = (line: string, final: boolean) => void;

export interface Progress {
  phase(name: string, total: number): void;
  tick(bytes?: number): void;
  done(note?: string): void;
}

export function progress(sink: ProgressSink | undefined): Progress {
  let name = '';
  let total = 0;
  let count = 0;
  let bytes = 0;
  let started = 0;
  let shownAt = 0;
  const line = () => {
    const seconds = (Date.now() - started) / 1000;
    const share = total > 0 ? ` (${Math.floor((count / total) * 100)}%)` : '';
    const size = bytes > 0 ? `, ${(bytes / 1048576).toFixed(1)} MiB` : '';
    return `${name}: ${count}/${total}${share}${size}, ${seconds.toFixed(1)} s`;
  };
  return {
    phase(next, of) {
      name = next;
      total = of;
      count = 0;
      bytes = 0;
      started = Date.now();
      shownAt = started;
    },
    tick(size = 0) {
      count++;
      bytes += size;
      if (!sink) return;
      const now = Date.now();
      if (now - shownAt >= (process.stderr.isTTY ? 200 : 5000)) {
        shownAt = now;
        sink(line(), false);
      }
    },
    done(note) {
      sink?.(note ? `${line()}; ${note}` : line(), true);
    },
  };
}

/** Writes progress to standard error: rewritten in place on a terminal. */
export const stderrProgress: ProgressSink = (line, final) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
  else process.stderr.write(`${line}\n`);
};
