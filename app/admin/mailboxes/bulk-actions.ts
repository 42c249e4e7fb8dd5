'use server';
// Bulk mailbox creation from a CSV file (server/migrate-in/bulk-mailboxes.ts does the work).
import { revalidatePath } from 'next/cache';
import { FieldError } from '@/server/domain';
import { createMailboxes, parseMailboxCsv, type BulkOutcome } from '@/server/migrate-in';
import { requireAdmin } from '@/server/web/session';

export interface BulkState {
  error?: string;
  outcomes?: BulkOutcome[];
}

const MAX_FILE_BYTES = 512 * 1024;

export async function bulkCreateMailboxesAction(_previous: BulkState, form: FormData): Promise<BulkState> {
  const actor = await requireAdmin();
  const file = form.get('file');
  let text = String(form.get('csv') ?? '');
  if (file instanceof File && file.size > 0) {
    if (file.size > MAX_FILE_BYTES) return { error: 'file: is larger than 512 KiB; split it' };
    text = await file.text();
  }
  let rows: ReturnType<typeof parseMailboxCsv>;
  try {
    rows = parseMailboxCsv(text);
  } catch (error) {
    if (error instanceof FieldError) return { error: error.message };
    throw error;
  }
  const outcomes = await createMailboxes(rows, actor);
  if (outcomes.some((o) => o.ok)) revalidatePath('/admin/mailboxes');
  return { outcomes };
}
