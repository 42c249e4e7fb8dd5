// Structured JSON logs on stdout, one line an entry.
type Level = 'debug' | 'info' | 'warn' | 'error';

const quiet = process.env.POSTROOM_LOG === 'silent';

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (quiet || (level === 'debug' && !process.env.POSTROOM_DEBUG)) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (level === 'error' || level === 'warn') process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log('error', msg, fields),
};
