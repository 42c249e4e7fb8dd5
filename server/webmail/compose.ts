// Turning the compose form into a message: recipients checked, reply headers (RFC 5322 section
// 3.6.4) taken from the original on the server, forwarded originals attached, rich text
// sanitised. The same builder feeds sending, the Sent copy and drafts.
import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type Mail from 'nodemailer/lib/mailer';
import { config } from '../core/config';
import { FieldError } from '../domain/errors';
import type { WebmailUser } from './connection';
import { attachmentsOf, fetchSource, parseSourceMessage } from './read';
import { sanitizeMailHtml } from './sanitize';
import { DRAFT_FIELD_HEADERS } from './draft-headers';

export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
export const MAX_RECIPIENTS = 100;

export interface UploadedFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface ComposeInput {
  to: string;
  cc?: string;
  bcc?: string;
  subject?: string;
  text?: string;
  /** Rich text from the editor; sanitised before it leaves. */
  html?: string;
  attachments?: UploadedFile[];
  /** The message this one replies to: In-Reply-To and References come from it. */
  replyTo?: { folder: string; uid: number };
  /** A message to forward: as a message/rfc822 attachment, or its attachments carried over. */
  forward?: { folder: string; uid: number; asAttachment: boolean; keep?: number[] };
  /** Threading headers of a reply reopened from Drafts (its original is not named any more). */
  thread?: { inReplyTo: string; references: string[] };
  /** The draft this replaces (its UID in Drafts). */
  draftUid?: number;
}

const ADDRESS =
  /^[^\s@<>()",;:\\[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

function flatAddresses(text: string): { name: string; address: string }[] {
  const flat: { name: string; address: string }[] = [];
  const walk = (entries: ReturnType<typeof addressparser>) => {
    for (const entry of entries) {
      if ('group' in entry && entry.group) walk(entry.group);
      else if ('address' in entry)
        flat.push({ name: entry.name ?? '', address: (entry.address ?? '').trim() });
    }
  };
  walk(addressparser(text));
  return flat;
}

/** A draft's address field: the well-formed addresses, never an error (a draft may be half-typed). */
export function draftRecipients(value: string | undefined): { name: string; address: string }[] {
  return flatAddresses((value ?? '').replace(/[\r\n]+/g, ' ')).filter((entry) => ADDRESS.test(entry.address));
}

const MESSAGE_ID = /^<[^\s<>]{1,500}>$/;

/** Parses one address field; a bad address is a field error naming it. */
export function parseRecipients(
  value: string | undefined,
  field: string,
): { name: string; address: string }[] {
  const text = (value ?? '').trim();
  if (!text) return [];
  if (/[\r\n]/.test(text)) throw new FieldError(field, 'Addresses may not contain line breaks.');
  const flat = flatAddresses(text);
  for (const entry of flat)
    if (!ADDRESS.test(entry.address))
      throw new FieldError(field, `"${entry.address || entry.name}" is not a valid email address.`);
  return flat;
}

export interface BuiltMessage {
  options: Mail.Options;
  recipients: string[];
}

export async function buildMessage(
  user: WebmailUser & { displayName?: string },
  input: ComposeInput,
  purpose: 'send' | 'draft',
): Promise<BuiltMessage> {
  // A draft is saved whatever its address fields hold: they are checked when it is sent.
  const draft = purpose === 'draft';
  const field = (value: string | undefined, name: string) =>
    draft ? draftRecipients(value) : parseRecipients(value, name);
  const to = field(input.to, 'to');
  const cc = field(input.cc, 'cc');
  const bcc = field(input.bcc, 'bcc');
  const recipients = [...to, ...cc, ...bcc].map((entry) => entry.address);
  if (!draft && recipients.length === 0) throw new FieldError('to', 'Add at least one recipient.');
  if (!draft && recipients.length > MAX_RECIPIENTS)
    throw new FieldError('to', `At most ${MAX_RECIPIENTS} recipients.`);
  const draftHeaders: Record<string, string> = {};
  if (draft)
    for (const key of ['to', 'cc', 'bcc'] as const) {
      const typed = (input[key] ?? '').replace(/[\r\n]+/g, ' ').trim();
      if (typed) draftHeaders[DRAFT_FIELD_HEADERS[key]] = typed;
    }
  const subject = (input.subject ?? '').replace(/[\r\n]+/g, ' ').slice(0, 998);
  const uploads = input.attachments ?? [];
  const attachments: Mail.Attachment[] = uploads.map((file) => ({
    filename: file.filename.replace(/[\r\n"\\/]/g, '_').slice(0, 200) || 'attachment',
    contentType: file.contentType || 'application/octet-stream',
    content: file.content,
  }));
  const headers: Mail.Options = {};
  if (input.replyTo) {
    const original = await parseSourceMessage(
      (await fetchSource(user, input.replyTo.folder, input.replyTo.uid)).source,
    );
    if (original.messageId) {
      const earlier = Array.isArray(original.references)
        ? original.references
        : original.references
          ? original.references.split(/\s+/)
          : [];
      headers.inReplyTo = original.messageId;
      headers.references = [...earlier, original.messageId].slice(-20);
    }
  } else if (input.thread && MESSAGE_ID.test(input.thread.inReplyTo)) {
    // A reply reopened from Drafts: its own threading headers, so it still joins the conversation.
    headers.inReplyTo = input.thread.inReplyTo;
    headers.references = [
      ...input.thread.references.filter((id) => MESSAGE_ID.test(id)),
      input.thread.inReplyTo,
    ]
      .filter((id, index, all) => all.indexOf(id) === index)
      .slice(-20);
  }
  if (input.forward) {
    const { source } = await fetchSource(user, input.forward.folder, input.forward.uid);
    if (input.forward.asAttachment) {
      const original = await parseSourceMessage(source);
      attachments.push({
        filename: `${(original.subject || 'forwarded message').replace(/[\\/:*?"<>|\r\n]/g, '_').slice(0, 100)}.eml`,
        contentType: 'message/rfc822',
        contentDisposition: 'attachment',
        content: source,
      });
    } else {
      // The attachments compose listed (the user may have removed some), by their index in the
      // original; without a list, every attachment that is not part of the HTML body.
      const original = await parseSourceMessage(source);
      const keep = input.forward.keep ? new Set(input.forward.keep) : null;
      const listed = attachmentsOf(original);
      original.attachments.forEach((part, index) => {
        if (keep ? !keep.has(index) : part.related) return;
        attachments.push({
          filename: listed[index].filename,
          contentType: part.contentType,
          content: part.content,
        });
      });
    }
  }
  const total = attachments.reduce(
    (sum, attachment) => sum + (Buffer.isBuffer(attachment.content) ? attachment.content.length : 0),
    0,
  );
  if (total > MAX_ATTACHMENT_BYTES)
    throw new FieldError(
      'attachments',
      `Attachments may add up to at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.`,
    );
  const html = input.html?.trim() ? sanitizeMailHtml(input.html).html : undefined;
  const domain = user.address.slice(user.address.lastIndexOf('@') + 1) || config().hostname;
  const options: Mail.Options = {
    from: { name: user.displayName ?? '', address: user.address },
    to,
    cc,
    bcc,
    subject,
    text: input.text ?? '',
    html,
    attachments,
    messageId: `<${Date.now().toString(36)}.${randomBytes(8).toString('hex')}@${domain}>`,
    date: new Date(),
    headers: { 'User-Agent': 'Postroom webmail', ...draftHeaders },
    ...headers,
  };
  return { options, recipients };
}
