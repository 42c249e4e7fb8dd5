// Delivery status notifications (RFC 3464 multipart/report, RFC 6522): a bounce when delivery
// failed for good, a delay notice when it is taking long. Sent from the null sender so that a
// notice can never cause another (RFC 5321 4.5.5), and never to the null sender.
import { randomBytes } from 'node:crypto';
import { config } from '../core/config';

export interface DsnRecipient {
  address: string;
  /** Enhanced status (RFC 3463), e.g. 5.1.1. */
  status: string;
  diagnostic: string;
  remote?: string;
}

export interface DsnInput {
  kind: 'failed' | 'delayed';
  queueId: string;
  sender: string;
  arrival: Date;
  recipients: DsnRecipient[];
  original: Buffer;
  retryUntil?: Date;
}

function statusOf(reply: string, fallback: string): string {
  return /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply)?.[1] ?? fallback;
}

export function dsnRecipient(
  address: string,
  reply: string,
  permanent: boolean,
  remote?: string,
): DsnRecipient {
  return {
    address,
    status: statusOf(reply, permanent ? '5.0.0' : '4.0.0'),
    diagnostic: reply.replace(/[\r\n]+/g, ' '),
    remote,
  };
}

function headersOf(message: Buffer): string {
  const end = message.indexOf('\r\n\r\n');
  return message.subarray(0, end < 0 ? message.length : end + 2).toString('utf8');
}

export function buildDsn(input: DsnInput): Buffer {
  const { hostname } = config();
  const boundary = `dsn-${randomBytes(8).toString('hex')}`;
  const failed = input.kind === 'failed';
  const list = input.recipients.map((r) => `  <${r.address}>: ${r.diagnostic}`).join('\r\n');
  const human = failed
    ? `This is the mail system at ${hostname}.\r\n\r\nYour message could not be delivered to one or more recipients. It is attached below.\r\n\r\n${list}\r\n`
    : `This is the mail system at ${hostname}.\r\n\r\nYour message has not been delivered yet to the recipients below. The mail system will keep trying${input.retryUntil ? ` until ${input.retryUntil.toUTCString()}` : ''}; you do not need to resend it.\r\n\r\n${list}\r\n`;
  const perRecipient = input.recipients
    .map((r) =>
      [
        `Final-Recipient: rfc822; ${r.address}`,
        `Action: ${failed ? 'failed' : 'delayed'}`,
        `Status: ${failed ? r.status.replace(/^4/, '5') : r.status.replace(/^5/, '4')}`,
        ...(r.remote ? [`Remote-MTA: dns; ${r.remote}`] : []),
        `Diagnostic-Code: smtp; ${r.diagnostic}`,
        ...(input.retryUntil && !failed ? [`Will-Retry-Until: ${input.retryUntil.toUTCString()}`] : []),
      ].join('\r\n'),
    )
    .join('\r\n\r\n');
  const status = `Reporting-MTA: dns; ${hostname}\r\nX-Postroom-Queue-ID: ${input.queueId}\r\nArrival-Date: ${input.arrival.toUTCString()}\r\n\r\n${perRecipient}\r\n`;
  const message = [
    `From: Mail Delivery System <MAILER-DAEMON@${hostname}>`,
    `To: <${input.sender}>`,
    `Subject: ${failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${input.queueId}.${randomBytes(4).toString('hex')}@${hostname}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Description: Notification',
    '',
    human,
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    'Content-Description: Delivery report',
    '',
    status,
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    'Content-Description: Undelivered message headers',
    '',
    headersOf(input.original),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(message);
}
