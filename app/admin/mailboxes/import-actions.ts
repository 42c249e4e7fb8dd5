'use server';
// Copying mail in from another IMAP server for a batch of mailboxes (server/migrate-in/imap-batch.ts
// does the work in this process); the page polls importStatusAction for each row's progress.
import { FieldError } from '@/server/domain';
import {
  getImportBatch,
  type ImportBatchStatus,
  parseImportCsv,
  startImportBatch,
} from '@/server/migrate-in';
import { readCsvUpload } from '@/server/web/csv-upload';
import { requireAdmin } from '@/server/web/session';

export interface ImportState {
  /** A field-level refusal of the whole form: "host: ...", "file: ...". */
  error?: string;
  field?: string;
  batch?: ImportBatchStatus;
}

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^[0-9a-f:.]+$/i;

export async function startImportAction(_previous: ImportState, form: FormData): Promise<ImportState> {
  const actor = await requireAdmin();
  const host = String(form.get('host') ?? '').trim();
  if (!HOST.test(host)) return { field: 'host', error: 'host: enter the source server name or address' };
  const port = Number(form.get('port') ?? '');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return { field: 'port', error: 'port: must be a number from 1 to 65535' };
  const tls = form.get('tls') === 'starttls' ? 'starttls' : 'implicit';
  try {
    const rows = parseImportCsv(await readCsvUpload(form));
    const batch = await startImportBatch(
      { host, port, tls, insecure: form.get('insecure') === 'on' },
      rows,
      actor,
    );
    return { batch };
  } catch (error) {
    if (error instanceof FieldError) return { field: 'file', error: error.message };
    throw error;
  }
}

/** The batch's rows now; null when it is unknown here (another admin's, or the server restarted). */
export async function importStatusAction(id: string): Promise<ImportBatchStatus | null> {
  const actor = await requireAdmin();
  return getImportBatch(String(id), actor) ?? null;
}
