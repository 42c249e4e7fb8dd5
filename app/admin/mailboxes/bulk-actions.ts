'use server';
// Bulk mailbox creation from a CSV file (server/migrate-in/bulk-mailboxes.ts does the work).
import { revalidatePath } from 'next/cache';
import { FieldError } from '@/server/domain';
import { createMailboxes, parseMailboxCsv, type BulkOutcome } from '@/server/migrate-in';
import { readCsvUpload } from '@/server/web/csv-upload';
import { requireAdmin } from '@/server/web/session';

export interface BulkState {
  error?: string;
  outcomes?: BulkOutcome[];
}

export async function bulkCreateMailboxesAction(_previous: BulkState, form: FormData): Promise<BulkState> {
  const actor = await requireAdmin();
  let rows: ReturnType<typeof parseMailboxCsv>;
  try {
    rows = parseMailboxCsv(await readCsvUpload(form));
  } catch (error) {
    if (error instanceof FieldError) return { error: error.message };
    throw error;
  }
  const outcomes = await createMailboxes(rows, actor);
  if (outcomes.some((o) => o.ok)) revalidatePath('/admin/mailboxes');
  return { outcomes };
}
