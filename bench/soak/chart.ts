// The soak chart without dependencies: small multiples, one panel per metric, each on its own
// scale from zero to its maximum, with the first sample's level dashed for reference (a line
// that stays on the dashed one is flat).
import { METRICS, type Sample } from './metrics';

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 150;
const COLUMNS = 4;
const MARGIN = { top: 28, right: 12, bottom: 22, left: 48 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function label(value: number): string {
  return Math.abs(value) >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1);
}

function panel(samples: Sample[], key: keyof Sample, title: string, x: number, y: number): string {
  const plotWidth = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = samples.map((sample) => sample[key]);
  const maxValue = Math.max(...values.filter(Number.isFinite), 0) || 1;
  const firstMinute = samples[0]?.minute ?? 0;
  const lastMinute = samples.at(-1)?.minute ?? 1;
  const span = lastMinute - firstMinute || 1;
  const px = (minute: number) => MARGIN.left + ((minute - firstMinute) / span) * plotWidth;
  const py = (value: number) => MARGIN.top + plotHeight - (value / maxValue) * plotHeight;
  const points = samples
    .filter((sample) => Number.isFinite(sample[key]))
    .map((sample) => `${px(sample.minute).toFixed(1)},${py(sample[key]).toFixed(1)}`)
    .join(' ');
  const first = values[0] ?? 0;
  return [
    `<g transform="translate(${x},${y})">`,
    `<rect x="0.5" y="0.5" width="${PANEL_WIDTH - 1}" height="${PANEL_HEIGHT - 1}" fill="#fff" stroke="#ddd"/>`,
    `<text x="${MARGIN.left}" y="18" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${MARGIN.left - 4}" y="${MARGIN.top + 4}" text-anchor="end">${label(maxValue)}</text>`,
    `<text x="${MARGIN.left - 4}" y="${MARGIN.top + plotHeight}" text-anchor="end">0</text>`,
    `<text x="${MARGIN.left}" y="${PANEL_HEIGHT - 6}">${label(firstMinute)} min</text>`,
    `<text x="${PANEL_WIDTH - MARGIN.right}" y="${PANEL_HEIGHT - 6}" text-anchor="end">${label(lastMinute)} min</text>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="#999"/>`,
    `<line x1="${MARGIN.left}" y1="${py(first).toFixed(1)}" x2="${MARGIN.left + plotWidth}" y2="${py(first).toFixed(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`,
    `<polyline points="${points}" fill="none" stroke="#1f6feb" stroke-width="2"/>`,
    '</g>',
  ].join('\n');
}

export function soakChartSvg(samples: Sample[], title: string): string {
  const rows = Math.ceil(METRICS.length / COLUMNS);
  const width = COLUMNS * PANEL_WIDTH;
  const height = 36 + rows * PANEL_HEIGHT;
  const panels = METRICS.map((metric, index) =>
    panel(
      samples,
      metric.key,
      metric.label,
      (index % COLUMNS) * PANEL_WIDTH,
      36 + Math.floor(index / COLUMNS) * PANEL_HEIGHT,
    ),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#f6f8fa"/>`,
    `<text x="12" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
