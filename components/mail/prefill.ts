// What compose starts with for reply, reply all and forward (RFC 5322 section 3.6.4 for the
// threading headers, which the server adds itself from the original).
import type { AttachmentView, MessageView } from '@/server/webmail/types';
import { formatAddressList, formatFullDate, formatAddress } from './format';
import type { ReplyMode } from './reader';

export interface ComposeDraft {
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  text: string;
  html: string;
  rich: boolean;
  reply?: { folder: string; uid: number };
  /** `attachments`: the original's attachments carried over, shown in compose (removable). */
  forward?: { folder: string; uid: number; asAttachment: boolean; attachments?: AttachmentView[] };
  /** Threading headers of a reply reopened from Drafts. */
  thread?: { inReplyTo: string; references: string[] };
  /** Files already attached (a draft reopened from Drafts). */
  files?: File[];
  draftUid?: number;
}

export const EMPTY_DRAFT: ComposeDraft = {
  to: '',
  cc: '',
  bcc: '',
  subject: '',
  text: '',
  html: '',
  rich: false,
};

function prefixed(prefix: string, subject: string): string {
  return new RegExp(`^${prefix}:`, 'i').test(subject.trim()) ? subject : `${prefix}: ${subject}`;
}

function quote(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join('\n');
}

export function prefillFor(message: MessageView, mode: ReplyMode, self: string): ComposeDraft {
  const me = self.toLowerCase();
  const ref = { folder: message.folder, uid: message.uid };
  if (mode === 'forward' || mode === 'forwardAttachment') {
    const header = [
      '---------- Forwarded message ----------',
      `From: ${formatAddressList(message.from)}`,
      `Date: ${formatFullDate(message.date)}`,
      `Subject: ${message.subject}`,
      `To: ${formatAddressList(message.to)}`,
    ].join('\n');
    return {
      ...EMPTY_DRAFT,
      subject: prefixed('Fwd', message.subject),
      text: mode === 'forward' ? `\n\n${header}\n\n${message.text}` : '',
      forward: {
        ...ref,
        asAttachment: mode === 'forwardAttachment',
        attachments:
          mode === 'forward' ? message.attachments.filter((attachment) => !attachment.inline) : undefined,
      },
    };
  }
  const primary = message.replyTo.length ? message.replyTo : message.from;
  const to = primary.filter((a) => a.address.toLowerCase() !== me || primary.length === 1);
  let cc: string[] = [];
  if (mode === 'replyAll') {
    const already = new Set([...to.map((a) => a.address.toLowerCase()), me]);
    cc = [...message.to, ...message.cc]
      .filter(
        (a) => a.address && !already.has(a.address.toLowerCase()) && already.add(a.address.toLowerCase()),
      )
      .map(formatAddress);
  }
  const intro = `On ${formatFullDate(message.date)}, ${message.from[0] ? formatAddress(message.from[0]) : 'someone'} wrote:`;
  return {
    ...EMPTY_DRAFT,
    to: to.map(formatAddress).join(', '),
    cc: cc.join(', '),
    subject: prefixed('Re', message.subject),
    text: `\n\n${intro}\n${quote(message.text.trimEnd())}`,
    reply: ref,
  };
}

/** Compose for a draft reopened from Drafts: its fields as typed, its threading and its files. */
export function draftFromMessage(message: MessageView, files: File[]): ComposeDraft {
  const typed = message.draftFields;
  return {
    ...EMPTY_DRAFT,
    to: typed ? typed.to : formatAddressList(message.to),
    cc: typed ? typed.cc : formatAddressList(message.cc),
    bcc: typed ? typed.bcc : formatAddressList(message.bcc),
    subject: message.subject,
    text: message.text.replace(/\r?\n$/, ''),
    thread: message.inReplyTo ? { inReplyTo: message.inReplyTo, references: message.references } : undefined,
    files,
    draftUid: message.uid,
  };
}

/** A draft's own attachments as files, so compose shows them and saves and sends them again. */
export async function draftFiles(message: MessageView): Promise<File[]> {
  const files: File[] = [];
  for (const attachment of message.attachments.filter((a) => !a.inline)) {
    const response = await fetch(
      `/api/mail/attachment?folder=${encodeURIComponent(message.folder)}&uid=${message.uid}&index=${attachment.index}`,
    );
    if (!response.ok) throw new Error(`The draft's attachment ${attachment.filename} could not be loaded.`);
    files.push(new File([await response.blob()], attachment.filename, { type: attachment.contentType }));
  }
  return files;
}
