// imaptest's side of bench/imap-stress.ts: the mbox its APPENDs take messages from, and the counts
// it prints at the end.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A mailbox file for imaptest's APPENDs: 200 plain messages of 1-6 KB. */
export function writeMbox(dir: string): string {
  const words = ['alpha', 'budget', 'meeting', 'invoice', 'report', 'lunch', 'review', 'release'];
  const parts: string[] = [];
  for (let i = 0; i < 200; i++) {
    const lines = Array.from({ length: 20 + (i % 80) }, (_, n) => `${words[(i + n) % 8]} line ${n} of ${i}`);
    parts.push(
      `From sender${i}@example.net Mon Nov 23 09:00:00 2026\r\nFrom: Sender ${i} <sender${i}@example.net>\r\n` +
        `To: stress@example.test\r\nSubject: ${words[i % 8]} ${i}\r\nDate: Mon, 23 Nov 2026 09:${String(i % 60).padStart(2, '0')}:00 +0000\r\n` +
        `Message-ID: <stress${i}@example.net>\r\n\r\n${lines.join('\r\n')}\r\n\r\n`,
    );
  }
  const path = join(dir, 'stress.mbox');
  writeFileSync(path, parts.join(''));
  return path;
}

/** imaptest's closing "Totals:" block: a row of command names, then percentages, then counts. */
export function parseTotals(output: string): Map<string, number> {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => line.startsWith('Totals:'));
  if (at < 0) throw new Error(`imaptest printed no totals:\n${output.slice(-2000)}`);
  const names = lines[at + 1]!.trim().split(/\s+/);
  const counts = lines
    .slice(at + 2)
    .reverse()
    .find((line) => /^\s*\d+(\s+\d+)*\s*$/.test(line));
  const values = (counts ?? '').trim().split(/\s+/).map(Number);
  return new Map(names.map((name, i) => [name, values[i] ?? 0]));
}
