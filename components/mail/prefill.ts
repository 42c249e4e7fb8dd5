// What compose starts with for reply, reply all and forward (RFC 5322 section 3.6.4 for the
// threading headers, which the server adds itself from the original).
import type { MessageView } from '@/server/webmail/types';
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
  forward?: { folder: string; uid: number; asAttachment: boolean };
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
      forward: { ...ref, asAttachment: mode === 'forwardAttachment' },
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
