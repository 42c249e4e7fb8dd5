// SMTP replies the policy hands back: basic code, enhanced status code (RFC 3463) and text, so the
// listener sends exactly what the console's rule tester shows.
export interface SmtpReply {
  code: number;
  status: string;
  text: string;
}

export function reply(code: number, status: string, text: string): SmtpReply {
  return { code, status, text };
}

export function formatReply(value: SmtpReply): string {
  return `${value.code} ${value.status} ${value.text}`;
}

/** An Error smtp-server turns into the reply; the text carries our enhanced code (smtp/server.ts). */
export class SmtpReplyError extends Error {
  readonly responseCode: number;
  constructor(readonly reply: SmtpReply) {
    super(`${reply.status} ${reply.text}`);
    this.responseCode = reply.code;
  }
}

export const REPLIES = {
  connectRejected: (text?: string | null) => reply(554, '5.7.1', text || 'Access denied'),
  senderOk: (address: string) => reply(250, '2.1.0', `<${address}> Sender OK`),
  senderRejected: (address: string, text?: string | null) =>
    reply(550, '5.7.1', `<${address}>: ${text || 'Sender address rejected: Access denied'}`),
  senderNotOwned: (address: string, user: string) =>
    reply(553, '5.7.1', `<${address}>: Sender address rejected: not owned by user ${user}`),
  badSyntax: (address: string, role: 'sender' | 'recipient') =>
    reply(501, role === 'sender' ? '5.1.7' : '5.1.3', `<${address}>: Bad ${role} address syntax`),
  recipientOk: (address: string) => reply(250, '2.1.5', `<${address}> Recipient OK`),
  recipientRejected: (address: string, text?: string | null) =>
    reply(550, '5.7.1', `<${address}>: ${text || 'Recipient address rejected: Access denied'}`),
  unknownUser: (address: string) =>
    reply(550, '5.1.1', `<${address}>: Recipient address rejected: User unknown in virtual mailbox table`),
  mailboxDisabled: (address: string) =>
    reply(550, '5.2.1', `<${address}>: Recipient address rejected: mailbox disabled`),
  overQuota: (address: string) => reply(452, '4.2.2', `<${address}>: Mailbox full, try again later`),
  relayDenied: (address: string, why?: string) =>
    reply(554, '5.7.1', `<${address}>: Relay access denied${why ? ` (${why})` : ''}`),
  discarded: (address: string) => reply(250, '2.1.5', `<${address}> OK`),
  authRequired: () => reply(530, '5.7.0', 'Authentication required'),
  tlsRequired: () => reply(530, '5.7.0', 'Must issue a STARTTLS command first'),
} as const;
