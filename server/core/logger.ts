// Structured JSON logs on stdout, one line an entry.
//
// Info lines are gathered and written every FLUSH_MS (or at FLUSH_BYTES): a mail session logs five
// or six lines per message, and on a pipe (journald, the supervisor) each write is a system call
// made while everything else waits, and wakes the reader: about a tenth of the worker's CPU for
// one-message connections when written line by line. The event log in the database is batched the
// same way (events.ts). Warnings and errors go out at once (after the lines before them), and the
// buffer is written when the process exits, so only a SIGKILL can lose the last FLUSH_MS of lines.
type Level = 'debug' | 'info' | 'warn' | 'error';

const quiet = process.env.POSTROOM_LOG === 'silent';
const FLUSH_MS = 50;
const FLUSH_BYTES = 32 * 1024;
let pending = '';
let timer: NodeJS.Timeout | undefined;

/** Writes the gathered info lines now. */
export function flushLog(): void {
  clearTimeout(timer);
  timer = undefined;
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
  if (pending.length >= FLUSH_BYTES) flushLog();
  else if (!timer) {
    timer = setTimeout(flushLog, FLUSH_MS);
    timer.unref(); // an idle process may exit meanwhile: 'exit' writes the rest
  }
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log('error', msg, fields),
};
