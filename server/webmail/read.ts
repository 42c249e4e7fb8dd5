// Reading one message: the raw source over IMAP (BODY.PEEK[], so \Seen is set only on purpose),
// parsed by mailparser, HTML sanitised, attachments listed, and inline cid: parts served through
// our own authenticated route.
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { config } from '../core/config';
import { NotFoundError } from '../domain/errors';
import { withMailbox, type WebmailUser } from './connection';
import { sanitizeMailHtml } from './sanitize';
import { authVerdict } from './auth-results';
import { toFlags } from './list';
import type { AttachmentView, MailAddress, MessageView } from './types';
import { DRAFT_FIELD_HEADERS } from './draft-headers';

export async function fetchSource(
  user: WebmailUser,
  folder: string,
  uid: number,
): Promise<{ source: Buffer; flags: Set<string> }> {
  if (!Number.isInteger(uid) || uid <= 0) throw new NotFoundError('No such message.');
  return withMailbox(user, folder, async (client) => {
    const message = await client.fetchOne(
      String(uid),
      { uid: true, source: true, flags: true },
      { uid: true },
    );
    if (!message || !message.source) throw new NotFoundError('No such message.');
    return { source: message.source, flags: message.flags ?? new Set<string>() };
  });
}

export function parseSourceMessage(source: Buffer): Promise<ParsedMail> {
  return simpleParser(source, { keepCidLinks: true, skipTextToHtml: true, skipTextLinks: true });
}

export function addressesOf(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: MailAddress[] = [];
  const walk = (
    entries: { name: string; address?: string; group?: { name: string; address?: string }[] }[],
  ) => {
    for (const entry of entries) {
      if (entry.group) walk(entry.group);
      else out.push({ name: entry.name ?? '', address: entry.address ?? '' });
    }
  };
  for (const object of list) walk(object.value);
  return out;
}

export function attachmentsOf(parsed: ParsedMail): AttachmentView[] {
  return parsed.attachments.map((attachment, index) => ({
    index,
    filename:
      attachment.filename ||
      (attachment.contentType === 'message/rfc822' ? 'message.eml' : `attachment-${index + 1}`),
    contentType: attachment.contentType || 'application/octet-stream',
    size: attachment.size ?? attachment.content.length,
    contentId: attachment.contentId ? attachment.contentId.replace(/^<|>$/g, '') : null,
    inline: attachment.contentDisposition === 'inline' && !!attachment.contentId,
  }));
}

/** The route an attachment (or an inline part) is served from. */
export function attachmentUrl(folder: string, uid: number, index: number, inline = false): string {
  return `/api/mail/attachment?folder=${encodeURIComponent(folder)}&uid=${uid}&index=${index}${inline ? '&inline=1' : ''}`;
}

function headerValues(parsed: ParsedMail, name: string): string[] {
  return parsed.headerLines
    .filter((line) => line.key === name)
    .map((line) =>
      line.line
        .slice(line.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    );
}

function referencesOf(parsed: ParsedMail): string[] {
  const refs = parsed.references;
  return (Array.isArray(refs) ? refs : refs ? [refs] : []).flatMap((ref) => ref.split(/\s+/)).filter(Boolean);
}

/** A draft's address fields as typed (our drafts keep them in X-Postroom-Draft-* headers). */
function draftFieldsOf(parsed: ParsedMail): MessageView['draftFields'] {
  const typed = (name: string): string => {
    const value = parsed.headers.get(name);
    return typeof value === 'string' ? value : '';
  };
  const fields = {
    to: typed(DRAFT_FIELD_HEADERS.to.toLowerCase()),
    cc: typed(DRAFT_FIELD_HEADERS.cc.toLowerCase()),
    bcc: typed(DRAFT_FIELD_HEADERS.bcc.toLowerCase()),
  };
  return fields.to || fields.cc || fields.bcc ? fields : undefined;
}

export async function readMessage(
  user: WebmailUser,
  folder: string,
  uid: number,
  options: { allowRemote?: boolean; markSeen?: boolean } = {},
): Promise<MessageView> {
  const { source, flags } = await fetchSource(user, folder, uid);
  const parsed = await parseSourceMessage(source);
  const attachments = attachmentsOf(parsed);
  const byCid = new Map(
    attachments.filter((a) => a.contentId).map((a) => [a.contentId!.toLowerCase(), a.index]),
  );
  let html: string | null = null;
  let hasRemoteImages = false;
  if (parsed.html) {
    const sanitized = sanitizeMailHtml(parsed.html, {
      allowRemote: options.allowRemote,
      cidUrl: (cid) => {
        const index = byCid.get(cid.toLowerCase());
        return index === undefined ? null : attachmentUrl(folder, uid, index, true);
      },
    });
    html = sanitized.html;
    hasRemoteImages = sanitized.hasRemoteContent;
  }
  if (options.markSeen !== false && !flags.has('\\Seen')) {
    await withMailbox(user, folder, (client) =>
      client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true }),
    );
    flags.add('\\Seen');
  }
  return {
    folder,
    uid,
    messageId: parsed.messageId ?? null,
    subject: parsed.subject ?? '',
    from: addressesOf(parsed.from),
    to: addressesOf(parsed.to),
    cc: addressesOf(parsed.cc),
    bcc: addressesOf(parsed.bcc),
    replyTo: addressesOf(parsed.replyTo),
    date: parsed.date ? parsed.date.toISOString() : null,
    flags: toFlags(flags),
    text: parsed.text ?? '',
    html,
    hasRemoteImages,
    attachments,
    auth: authVerdict(headerValues(parsed, 'authentication-results'), config().hostname, {
      topReceived: headerValues(parsed, 'received')[0],
      fromAddress: addressesOf(parsed.from)[0]?.address,
    }),
    references: referencesOf(parsed),
    inReplyTo: parsed.inReplyTo ?? null,
    size: source.length,
    draftFields: flags.has('\\Draft') ? draftFieldsOf(parsed) : undefined,
  };
}

export interface AttachmentContent {
  filename: string;
  contentType: string;
  content: Buffer;
}

export async function readAttachment(
  user: WebmailUser,
  folder: string,
  uid: number,
  index: number,
): Promise<AttachmentContent> {
  const { source } = await fetchSource(user, folder, uid);
  const parsed = await parseSourceMessage(source);
  const attachment = parsed.attachments[index];
  if (!Number.isInteger(index) || !attachment) throw new NotFoundError('No such attachment.');
  const view = attachmentsOf(parsed)[index];
  return { filename: view.filename, contentType: view.contentType, content: attachment.content };
}
