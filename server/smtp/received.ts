// The trace header this server adds (RFC 5321 4.4, RFC 3848 protocol types): who connected, the
// TLS version and cipher, and whether and as whom the client authenticated.
import type { SMTPServerSession } from 'smtp-server';

export interface TraceInfo {
  hostname: string;
  queueId: string;
  helo: string;
  clientIp: string;
  clientHostname: string | null;
  /** ESMTP, ESMTPS, ESMTPA, ESMTPSA (RFC 3848). */
  protocol: string;
  tls: { version: string; cipher: string } | null;
  user: string | null;
  /** Named only when there is one recipient, so a Bcc stays hidden (RFC 5321 7.2). */
  recipient: string | null;
  date?: Date;
}

export function tlsOf(session: SMTPServerSession): { version: string; cipher: string } | null {
  const options = session.tlsOptions;
  return options ? { version: options.version ?? 'TLS', cipher: options.name } : null;
}

export function receivedHeader(info: TraceInfo): string {
  const from = `from ${info.helo || 'unknown'} (${info.clientHostname ?? 'unknown'} [${info.clientIp}])`;
  const tls = info.tls ? `\r\n\t(using ${info.tls.version} with cipher ${info.tls.cipher})` : '';
  const auth = info.user ? `\r\n\t(Authenticated sender: ${info.user})` : '';
  const forPart = info.recipient ? `\r\n\tfor <${info.recipient}>` : '';
  const date = (info.date ?? new Date()).toUTCString().replace('GMT', '+0000');
  return `Received: ${from}${tls}${auth}\r\n\tby ${info.hostname} with ${info.protocol} id ${info.queueId}${forPart};\r\n\t${date}\r\n`;
}
