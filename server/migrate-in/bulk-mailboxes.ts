// Many mailboxes at once from a CSV file (address, name, quota, password), as the console's
// bulk page takes it: every row goes through addMailbox with the signed-in admin's rights, and
// each row's outcome (created, or the field error that refused it) is reported on its own.
import { parse } from 'csv-parse/sync';
import { addMailbox, FieldError, ForbiddenError, type Actor } from '../domain';

export const MAX_BULK_ROWS = 1000;

export interface BulkRow {
  /** The line of the file the row came from (1-based), for the report. */
  line: number;
  address: string;
  name: string;
  quota: string;
  password: string;
}

export interface BulkOutcome {
  line: number;
  address: string;
  ok: boolean;
  message: string;
}

const HEADER = ['address', 'name', 'quota', 'password'];

/** Reads the CSV; an optional header row (address,name,quota,password) is skipped. */
export function parseMailboxCsv(text: string): BulkRow[] {
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as string[][];
  } catch (error) {
    throw new FieldError('file', `is not a readable CSV file (${(error as Error).message})`);
  }
  const rows: BulkRow[] = [];
  records.forEach((record, index) => {
    if (index === 0 && record[0]?.toLowerCase() === HEADER[0]) return;
    rows.push({
      line: index + 1,
      address: record[0] ?? '',
      name: record[1] ?? '',
      quota: record[2] ?? '',
      password: record[3] ?? '',
    });
  });
  if (rows.length === 0) throw new FieldError('file', 'has no mailbox rows');
  if (rows.length > MAX_BULK_ROWS)
    throw new FieldError('file', `has ${rows.length} rows; at most ${MAX_BULK_ROWS} at a time`);
  return rows;
}

/** Creates each row's mailbox; a refused row does not stop the others. */
export async function createMailboxes(rows: BulkRow[], actor: Actor): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = [];
  for (const row of rows) {
    try {
      const mailbox = await addMailbox(
        { address: row.address, password: row.password, displayName: row.name, quota: row.quota || '0' },
        actor,
      );
      outcomes.push({ line: row.line, address: mailbox.address, ok: true, message: 'created' });
    } catch (error) {
      if (!(error instanceof FieldError) && !(error instanceof ForbiddenError)) throw error;
      // FieldError's message names its field ("password: must be at least 10 characters").
      outcomes.push({ line: row.line, address: row.address, ok: false, message: error.message });
    }
  }
  return outcomes;
}
