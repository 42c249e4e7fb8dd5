// What a script sends: redirected copies (RFC 5228 4.2), vacation replies (RFC 5230, RFC 3834)
// and rejections (RFC 5429, as an MDN, RFC 8098). All go through the outbound queue, durably
// before the delivery is answered. Replies and rejections use the null sender (MAIL FROM:<>) so
// they can never cause another automatic message.
import { randomBytes } from 'node:crypto';
import libmime from 'libmime';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { config } from '../../core/config';
import { enqueueMessage } from '../../queue/enqueue';
import type { HeaderFields } from '../../mime/headers';

/** Marks a redirected copy with the mailbox that redirected it: seen again there, it is kept instead. */
export const REDIRECTED_FROM = 'X-Sieve-Redirected-From';

/** True when the message says it is automatic or list mail: never answered (RFC 3834 section 2). */
export function isAutomaticMessage(headers: HeaderFields, envelopeFrom: string): boolean {
  if (!envelopeFrom) return true;
  const local = envelopeFrom.slice(0, envelopeFrom.lastIndexOf('@')).toLowerCase();
  if (local === 'mailer-daemon' || local.startsWith('owner-') || local.endsWith('-request')) return true;
  const submitted = headers.first('auto-submitted');
  if (submitted && !/^no\b/i.test(submitted.trim())) return true;
  if (/^(bulk|list|junk)\b/i.test(headers.first('precedence')?.trim() ?? '')) return true;
  return headers.lines.some((line) => line.key.startsWith('list-'));
}

/** The addresses a redirected copy of this message already went through (our marker). */
export function redirectedBy(headers: HeaderFields): string[] {
  return headers.lines
    .filter((line) => line.key === REDIRECTED_FROM.toLowerCase())
    .map((line) => line.value.replace(/[<>]/g, '').trim().toLowerCase());
}

/** Drops the Return-Path we put on at final delivery (a relayed message must not carry one). */
function withoutReturnPath(content: Buffer): Buffer {
  if (!/^return-path:/i.test(content.subarray(0, 12).toString('latin1'))) return content;
  let end = content.indexOf('\n');
  while (end >= 0 && (content[end + 1] === 0x20 || content[end + 1] === 0x09))
    end = content.indexOf('\n', end + 1);
  return end < 0 ? content : content.subarray(end + 1);
}

export async function queueRedirect(input: {
  content: Buffer;
  sender: string;
  to: string;
  user: string;
}): Promise<string> {
  const marker = Buffer.from(`${REDIRECTED_FROM}: <${input.user}>\r\n`);
  return enqueueMessage({
    sender: input.sender,
    recipients: [input.to],
    content: Buffer.concat([marker, withoutReturnPath(input.content)]),
  });
}

function references(headers: HeaderFields): { inReplyTo?: string; references?: string[] } {
  const messageId = headers.first('message-id')?.trim();
  const earlier = (headers.first('references') ?? '').match(/<[^<>\s]+>/g) ?? [];
  if (!messageId) return {};
  return { inReplyTo: messageId, references: [...earlier, messageId].slice(-20) };
}

function originalSubject(headers: HeaderFields): string {
  const raw = headers.first('subject') ?? '';
  const text = Buffer.from(raw, 'latin1').toString('utf8');
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

export interface VacationReply {
  user: string;
  to: string;
  from?: string;
  subject?: string;
  reason: string;
  mime: boolean;
}

/** RFC 5230 section 5: In-Reply-To and References, "Auto: " + the subject by default, auto-replied. */
export async function buildVacationReply(reply: VacationReply, headers: HeaderFields): Promise<Buffer> {
  const threading = references(headers);
  const subject = reply.subject ?? `Auto: ${originalSubject(headers)}`.trim();
  const common = {
    from: reply.from ?? reply.user,
    to: reply.to,
    subject,
    inReplyTo: threading.inReplyTo,
    references: threading.references,
    headers: { 'Auto-Submitted': 'auto-replied' },
  };
  if (!reply.mime) return new MailComposer({ ...common, text: reply.reason }).compile().build();
  // :mime: the reason is a whole MIME entity (its own header and body) under our header.
  const entity = reply.reason.replace(/\r?\n/g, '\r\n');
  const outer = new MailComposer({ ...common, text: '' }).compile();
  const head = (await outer.build()).toString('utf8');
  const ours = head
    .slice(0, head.search(/\r\n\r\n/))
    .split(/\r\n(?![ \t])/)
    .filter((line) => !/^content-(type|transfer-encoding):/i.test(line))
    .join('\r\n');
  return Buffer.from(`${ours}\r\n${entity.startsWith('\r\n') ? entity.slice(2) : entity}`, 'utf8');
}

export async function queueVacationReply(reply: VacationReply, headers: HeaderFields): Promise<string> {
  return enqueueMessage({
    sender: '',
    recipients: [reply.to],
    content: await buildVacationReply(reply, headers),
  });
}

/** A rejection as an MDN (RFC 5429 section 2.1.1, RFC 8098): "deleted", with the reason and header. */
export function buildRejection(input: {
  user: string;
  to: string;
  reason: string;
  header: string;
  headers: HeaderFields;
}): Buffer {
  const { hostname } = config();
  const boundary = `mdn-${randomBytes(8).toString('hex')}`;
  const domain = input.user.slice(input.user.lastIndexOf('@') + 1);
  const subject = libmime.encodeWords(`Rejected: ${originalSubject(input.headers)}`.trim(), 'Q', 52);
  const messageId = input.headers.first('message-id')?.trim();
  const reason = input.reason.replace(/\r?\n/g, '\r\n');
  const lines = [
    `From: Mail Delivery System <postmaster@${domain}>`,
    `To: <${input.to}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${hostname}>`,
    ...(messageId ? [`In-Reply-To: ${messageId}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Your message to <${input.user}> was rejected by the recipient's mail filter:`,
    '',
    reason,
    '',
    `--${boundary}`,
    'Content-Type: message/disposition-notification',
    '',
    `Reporting-UA: ${hostname}; Postroom`,
    `Final-Recipient: rfc822; ${input.user}`,
    ...(messageId ? [`Original-Message-ID: ${messageId}`] : []),
    'Disposition: automatic-action/MDN-sent-automatically; deleted',
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    input.header.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, ''),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

export function queueRejection(input: Parameters<typeof buildRejection>[0]): Promise<string> {
  return enqueueMessage({ sender: '', recipients: [input.to], content: buildRejection(input) });
}
