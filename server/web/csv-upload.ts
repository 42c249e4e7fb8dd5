// What the console's CSV forms (bulk mailboxes, batch IMAP import) were given: an uploaded file,
// which wins, or pasted rows.
import { FieldError } from '../domain';

const MAX_FILE_BYTES = 512 * 1024;

/** The CSV text of the form's `file` or `csv` field; a file over 512 KiB is a `file` field error. */
export async function readCsvUpload(form: FormData): Promise<string> {
  const file = form.get('file');
  if (file instanceof File && file.size > 0) {
    if (file.size > MAX_FILE_BYTES) throw new FieldError('file', 'is larger than 512 KiB; split it');
    return file.text();
  }
  return String(form.get('csv') ?? '');
}
