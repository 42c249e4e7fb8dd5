// Small terminal helpers for the CLI: reading a password without echo, printing tables.
import { createInterface } from 'node:readline';

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The first line of standard input (for --password-stdin). */
export async function readPasswordFromStdin(): Promise<string> {
  return (await readStdin()).split(/\r?\n/)[0] ?? '';
}

/** Asks on the terminal without echoing what is typed. */
export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no terminal to ask for the password: use --password-stdin');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const output = rl as unknown as { _writeToOutput: (text: string) => void };
  let asked = false;
  output._writeToOutput = (text: string) => {
    if (!asked) {
      process.stdout.write(text);
      asked = true;
    }
  };
  const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

export function printTable(
  rows: Record<string, string | number | boolean | null>[],
  columns?: string[],
): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const keys = columns ?? Object.keys(rows[0]!);
  const widths = keys.map((key) => Math.max(key.length, ...rows.map((row) => String(row[key] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(keys.map((key) => key.toUpperCase())));
  for (const row of rows) console.log(line(keys.map((key) => String(row[key] ?? ''))));
}

export function formatBytes(bytes: bigint | number): string {
  let value = Number(bytes);
  for (const unit of ['B', 'K', 'M', 'G', 'T']) {
    if (value < 1024 || unit === 'T')
      return unit === 'B' ? `${value}B` : `${value.toFixed(value < 10 ? 1 : 0)}${unit}`;
    value /= 1024;
  }
  return `${value}`;
}
