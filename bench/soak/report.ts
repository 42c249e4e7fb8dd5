// The soak's printed output: one table row per sample as the run goes, and the verdict, the
// growth of each metric between the first and the last third of the run (flat means no leak).
import { METRICS, type Sample } from './metrics';

const WIDTH = 9;
/** Growth within this fraction either way counts as flat. */
const FLAT_WITHIN = 0.1;

function cell(value: number): string {
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return text.padStart(WIDTH);
}

export function tableHeader(): string {
  return [
    "columns: minute; the worker's processes, CPU, RSS, PSS and open fds (summed over them);",
    'database size; blob files; queue, message and login-failure rows; good traffic within the',
    'interval (deliveries, IMAP commands, POP3 messages retrieved, IDLE pushes, failures); worker',
    'warn/error log lines within the interval',
    ['min'.padStart(5), ...METRICS.map((metric) => metric.label.padStart(WIDTH))].join(' '),
  ].join('\n');
}

export function tableRow(sample: Sample): string {
  return [sample.minute.toFixed(1).padStart(5), ...METRICS.map((metric) => cell(sample[metric.key]))].join(
    ' ',
  );
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((total, value) => total + value, 0) / values.length;
}

export interface Growth {
  label: string;
  first: number;
  last: number;
  /** last / first - 1; Infinity when it grew from zero. */
  growth: number;
  verdict: 'flat' | 'GROWS' | 'shrinks' | 'n/a';
}

/** Compares the mean of the first third of the samples with the mean of the last third. */
export function growthBetweenThirds(samples: Sample[]): Growth[] {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const early = samples.slice(0, third);
  const late = samples.slice(-third);
  return METRICS.map(({ key, label }) => {
    const first = mean(early.map((sample) => sample[key]));
    const last = mean(late.map((sample) => sample[key]));
    const growth = first === 0 ? (last === 0 ? 0 : Number.POSITIVE_INFINITY) : last / first - 1;
    const verdict: Growth['verdict'] =
      samples.length < 2 || Number.isNaN(growth)
        ? 'n/a'
        : Math.abs(growth) <= FLAT_WITHIN
          ? 'flat'
          : growth > 0
            ? 'GROWS'
            : 'shrinks';
    return { label, first, last, growth, verdict };
  });
}

export function formatVerdict(growths: Growth[]): string {
  const lines = growths.map(({ label, first, last, growth, verdict }) => {
    const percent = Number.isFinite(growth) ? `${(growth * 100).toFixed(1)}%` : 'from 0';
    return `  ${label.padEnd(10)} ${first.toFixed(1).padStart(10)} -> ${last.toFixed(1).padStart(10)}  ${percent.padStart(8)}  ${verdict}`;
  });
  return ['verdict: mean of the first third -> mean of the last third (flat within 10%)', ...lines].join(
    '\n',
  );
}
