// The compose form (multipart/form-data from the page) as a ComposeInput.
import { FieldError } from '../domain/errors';
import { MAX_ATTACHMENT_BYTES, type ComposeInput, type UploadedFile } from './compose';

function text(form: FormData, name: string, max = 1_000_000): string {
  const value = form.get(name);
  if (typeof value !== 'string') return '';
  if (value.length > max) throw new FieldError(name, 'This field is too long.');
  return value;
}

function reference(form: FormData, prefix: string): { folder: string; uid: number } | undefined {
  const folder = text(form, `${prefix}Folder`, 512);
  const uid = Number(text(form, `${prefix}Uid`, 12));
  return folder && Number.isInteger(uid) && uid > 0 ? { folder, uid } : undefined;
}

/** "0,2,3": the original's attachments to forward; absent means all of them. */
function indexList(form: FormData, name: string): number[] | undefined {
  if (typeof form.get(name) !== 'string') return undefined;
  return text(form, name, 10_000)
    .split(',')
    .filter(Boolean)
    .map(Number)
    .filter((index) => Number.isInteger(index) && index >= 0);
}

export async function composeFromForm(form: FormData): Promise<ComposeInput> {
  const attachments: UploadedFile[] = [];
  let total = 0;
  for (const entry of form.getAll('attachments')) {
    if (typeof entry === 'string' || entry.size === 0) continue;
    total += entry.size;
    if (total > MAX_ATTACHMENT_BYTES)
      throw new FieldError(
        'attachments',
        `Attachments may add up to at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.`,
      );
    attachments.push({
      filename: entry.name,
      contentType: entry.type || 'application/octet-stream',
      content: Buffer.from(await entry.arrayBuffer()),
    });
  }
  const forward = reference(form, 'forward');
  const draftUid = Number(text(form, 'draftUid', 12));
  return {
    to: text(form, 'to', 10_000),
    cc: text(form, 'cc', 10_000),
    bcc: text(form, 'bcc', 10_000),
    subject: text(form, 'subject', 998),
    text: text(form, 'text'),
    html: text(form, 'html') || undefined,
    attachments,
    replyTo: reference(form, 'reply'),
    forward: forward
      ? {
          ...forward,
          asAttachment: text(form, 'forwardAs', 20) === 'attachment',
          keep: indexList(form, 'forwardKeep'),
        }
      : undefined,
    draftUid: Number.isInteger(draftUid) && draftUid > 0 ? draftUid : undefined,
    thread: text(form, 'inReplyTo', 1000)
      ? {
          inReplyTo: text(form, 'inReplyTo', 1000).trim(),
          references: text(form, 'references', 20_000).split(/\s+/).filter(Boolean),
        }
      : undefined,
  };
}
