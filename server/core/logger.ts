// Structured JSON logs on stdout, one line an entry.
//
// Info lines are gathered and written once per turn of the event loop: a mail session logs five or
// six lines per message, and on a pipe (journald, the supervisor) each write is a system call made
// while everything else waits, about a tenth of the worker's CPU for one-message connections.
// Warnings and errors go out at once (after the lines before them), and the buffer is written
// when the process exits, so only a SIGKILL can lose the last turn's lines.
type Level = 'debug' | 'info' | 'warn' | 'error';

const quiet = process.env.POSTROOM_LOG === 'silent';
let pending = '';
let scheduled = false;

/** Writes the gathered info lines now. */
export function flushLog(): void {
  scheduled = false;
  if (pending === '') return;
  const lines = pending;
  pending = '';
  process.stdout.write(lines);
}

process.on('exit', flushLog);

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (quiet || (level === 'debug' && !process.env.POSTROOM_DEBUG)) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  if (level === 'error' || level === 'warn') {
    flushLog();
    process.stderr.write(line + '\n');
    return;
  }
  pending += line + '\n';
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushLog);
  }
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log('error', msg, fields),
};
