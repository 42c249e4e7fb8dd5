// A batch of IMAP imports started from the console: one CSV row (source login, password, target
// mailbox) per account, copied by importFromImap in the web process, at most RUNNING at a time.
// Passwords live only in memory, in the queued row, and are dropped once its import ends; the
// batch's progress is kept in memory too (a restart forgets it; the imports resume when rerun,
// as imap_import_states remembers what was copied).
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { type Actor, FieldError, ForbiddenError, getMailbox, NotFoundError } from '../domain';
import { importFromImap, type ImapSource } from './imap-source';
import { Progress } from './progress';

export const MAX_IMPORT_ROWS = 500;
const RUNNING = 2;
/** Batches kept for their pages to show; the oldest finished ones are forgotten first. */
const KEPT_BATCHES = 20;

export type ImportRowState = 'refused' | 'waiting' | 'running' | 'done' | 'failed';

export interface ImportRowStatus {
  line: number;
  login: string;
  target: string;
  state: ImportRowState;
  /** Why the row was refused or failed. */
  error?: string;
  folders: number;
  totalFolders: number;
  messages: number;
  totalMessages: number;
  bytes: number;
  totalBytes: number;
  /** Messages already there (an earlier run). */
  skipped: number;
}

export interface ImportBatchStatus {
  id: string;
  host: string;
  port: number;
  rows: ImportRowStatus[];
  finished: boolean;
}

export interface ImportServer {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls';
  insecure: boolean;
}

/** Counts into the row instead of drawing a progress line on stderr. */
class RowProgress extends Progress {
  constructor(private readonly row: ImportRowStatus) {
    super(row.login);
  }
  override update(): void {
    Object.assign(this.row, {
      folders: this.folders,
      totalFolders: this.totalFolders,
      messages: this.messages,
      totalMessages: this.totalMessages,
      bytes: this.bytes,
      totalBytes: this.totalBytes,
    });
  }
  override done(): void {
    this.update();
  }
}

interface Batch {
  status: ImportBatchStatus;
  owner: string;
  server: ImportServer;
  created: number;
}

interface Queued {
  batch: Batch;
  row: ImportRowStatus;
  password: string;
}

interface Registry {
  batches: Map<string, Batch>;
  queue: Queued[];
  running: number;
}

// One registry per process, whichever bundle chunk of the web app loaded this module.
const KEY = Symbol.for('postroom.imapImportBatches');
function registry(): Registry {
  const holder = globalThis as { [KEY]?: Registry };
  holder[KEY] ??= { batches: new Map(), queue: [], running: 0 };
  return holder[KEY];
}

export interface ImportCsvRow {
  line: number;
  login: string;
  password: string;
  target: string;
  /** Set when the line itself is unusable. */
  error?: string;
}

/** Reads the CSV (source login, password, target mailbox); a header line is optional. */
export function parseImportCsv(text: string): ImportCsvRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new FieldError('file', `is not a readable CSV file (${(error as Error).message})`);
  }
  const rows: ImportCsvRow[] = [];
  records.forEach((record, index) => {
    // Logins and targets are trimmed; a password is taken as written.
    if (index === 0 && /login/i.test(record[0] ?? '') && /target|mailbox/i.test(record[2] ?? '')) return;
    const [login = '', password = '', target = ''] = record;
    const row = { line: index + 1, login: login.trim(), password, target: target.trim() };
    if (record.length !== 3)
      rows.push({
        ...row,
        error: `line: has ${record.length} field(s); expected source login, password, target mailbox`,
      });
    else if (!row.login) rows.push({ ...row, error: 'login: is empty' });
    else if (!password) rows.push({ ...row, error: 'password: is empty' });
    else if (!row.target) rows.push({ ...row, error: 'target: is empty' });
    else rows.push(row);
  });
  if (rows.length === 0) throw new FieldError('file', 'has no rows');
  if (rows.length > MAX_IMPORT_ROWS)
    throw new FieldError('file', `has ${rows.length} rows; at most ${MAX_IMPORT_ROWS} at a time`);
  return rows;
}

/** The target mailbox's address, or why it cannot take this import (as a field error). */
async function checkTarget(target: string, actor: Actor): Promise<{ address?: string; error?: string }> {
  try {
    return { address: (await getMailbox(target, actor)).address };
  } catch (error) {
    if (error instanceof NotFoundError) return { error: `target: there is no mailbox ${target} here` };
    if (error instanceof ForbiddenError) return { error: `target: ${error.message}` };
    if (error instanceof FieldError) return { error: `target: ${error.message}` };
    throw error;
  }
}

function emptyRow(row: ImportCsvRow, target: string): ImportRowStatus {
  return {
    line: row.line,
    login: row.login,
    target,
    state: 'waiting',
    folders: 0,
    totalFolders: 0,
    messages: 0,
    totalMessages: 0,
    bytes: 0,
    totalBytes: 0,
    skipped: 0,
  };
}

/** Checks every row, queues the good ones and returns the batch (refused rows say why). */
export async function startImportBatch(
  server: ImportServer,
  rows: ImportCsvRow[],
  actor: Actor,
): Promise<ImportBatchStatus> {
  const batch: Batch = {
    status: { id: randomUUID(), host: server.host, port: server.port, rows: [], finished: false },
    owner: actor.name,
    server,
    created: Date.now(),
  };
  const queued: Queued[] = [];
  for (const row of rows) {
    const checked = row.error ? { error: row.error } : await checkTarget(row.target, actor);
    const status = emptyRow(row, checked.address ?? row.target);
    if (checked.error) Object.assign(status, { state: 'refused', error: checked.error });
    else queued.push({ batch, row: status, password: row.password });
    batch.status.rows.push(status);
  }
  const { batches, queue } = registry();
  batches.set(batch.status.id, batch);
  forgetOldBatches(batches);
  queue.push(...queued);
  updateFinished(batch);
  pump();
  return snapshot(batch);
}

/** The batch as its owner sees it; undefined for an unknown id or another admin's batch. */
export function getImportBatch(id: string, actor: Actor): ImportBatchStatus | undefined {
  const batch = registry().batches.get(id);
  return batch && batch.owner === actor.name ? snapshot(batch) : undefined;
}

function snapshot(batch: Batch): ImportBatchStatus {
  return { ...batch.status, rows: batch.status.rows.map((row) => ({ ...row })) };
}

function updateFinished(batch: Batch): void {
  batch.status.finished = batch.status.rows.every((r) => r.state !== 'waiting' && r.state !== 'running');
}

function forgetOldBatches(batches: Map<string, Batch>): void {
  const finished = [...batches.values()]
    .filter((b) => b.status.finished)
    .sort((a, b) => a.created - b.created);
  while (batches.size > KEPT_BATCHES && finished.length) batches.delete(finished.shift()!.status.id);
}

/** Starts queued rows while fewer than RUNNING are under way. */
function pump(): void {
  const state = registry();
  while (state.running < RUNNING && state.queue.length) {
    const next = state.queue.shift()!;
    state.running++;
    void run(next).finally(() => {
      state.running--;
      updateFinished(next.batch);
      pump();
    });
  }
}

async function run(item: Queued): Promise<void> {
  const { row, batch } = item;
  row.state = 'running';
  const source: ImapSource = {
    host: batch.server.host,
    port: batch.server.port,
    tls: batch.server.tls,
    insecure: batch.server.insecure,
    user: row.login,
    password: item.password,
  };
  item.password = '';
  try {
    const report = await importFromImap(source, row.target, new RowProgress(row));
    row.skipped = report.skipped;
    row.state = 'done';
  } catch (error) {
    row.state = 'failed';
    row.error = describeFailure(error);
  }
}

/** A plain reason for the page; imapflow's errors carry the server's own words. */
function describeFailure(error: unknown): string {
  const e = error as {
    authenticationFailed?: boolean;
    responseText?: string;
    code?: string;
    message?: string;
  };
  if (e.authenticationFailed)
    return `the source server refused the login${e.responseText ? ` (${e.responseText})` : ''}`;
  if (e.code === 'ECONNREFUSED') return 'the source server refused the connection';
  if (e.code === 'ENOTFOUND') return 'the source host name does not resolve';
  return e.responseText || e.message || String(error);
}
