// One mail transaction on an open session (RFC 5321 3.3): EHLO (HELO if refused), STARTTLS
// whenever offered (RFC 3207; opportunistic, RFC 7435), AUTH only towards a configured smarthost,
// then MAIL, one RCPT per recipient, DATA and the content. The answer is per recipient.
import { config } from '../core/config';
import { replyText, SessionError, type SmtpReply, type SmtpSession } from './smtp-session';
import type { OutboundMessage } from './outbound-message';

export interface Credentials {
  user: string;
  pass: string;
}

export type Transaction =
  /** The peer answered: each recipient has its reply (sent on 2xx to the final dot). */
  | { kind: 'answered'; replies: Map<string, SmtpReply> }
  /** Refused before any recipient was tried (greeting, EHLO, TLS, AUTH or MAIL): one reply for all. */
  | { kind: 'refused'; reply: string; code: number };

function refused(reply: SmtpReply): Transaction {
  return { kind: 'refused', reply: replyText(reply), code: reply.code };
}

function extensions(reply: SmtpReply): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword = '', ...rest] = line.trim().split(/\s+/);
    found.set(keyword.toUpperCase(), rest.join(' ').toUpperCase());
  }
  return found;
}

async function hello(session: SmtpSession): Promise<{ reply: SmtpReply; extensions: Map<string, string> }> {
  const name = config().hostname;
  const ehlo = await session.command(`EHLO ${name}`, 'ehlo');
  if (ehlo.code === 250) return { reply: ehlo, extensions: extensions(ehlo) };
  // RFC 5321 4.1.4: a server that does not know EHLO gets HELO.
  const helo = await session.command(`HELO ${name}`, 'ehlo');
  return { reply: helo, extensions: new Map() };
}

function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

async function authenticate(
  session: SmtpSession,
  methods: string,
  credentials: Credentials,
): Promise<SmtpReply> {
  if (!methods.split(' ').includes('PLAIN') && methods.split(' ').includes('LOGIN')) {
    const asked = await session.command('AUTH LOGIN', 'auth');
    if (asked.code !== 334) return asked;
    const user = await session.command(Buffer.from(credentials.user).toString('base64'), 'auth');
    if (user.code !== 334) return user;
    return session.command(Buffer.from(credentials.pass).toString('base64'), 'auth');
  }
  // RFC 4616: authzid empty, authcid, password.
  const token = Buffer.from(`\0${credentials.user}\0${credentials.pass}`).toString('base64');
  return session.command(`AUTH PLAIN ${token}`, 'auth');
}

export async function runTransaction(
  session: SmtpSession,
  greeting: SmtpReply,
  envelope: { sender: string; recipients: string[]; message: OutboundMessage },
  options: { credentials?: Credentials; requireTls: boolean },
): Promise<Transaction> {
  if (greeting.code !== 220) return refused(greeting);
  let greeted = await hello(session);
  if (greeted.reply.code !== 250) return refused(greeted.reply);
  if (!session.secure && greeted.extensions.has('STARTTLS')) {
    const ready = await session.command('STARTTLS', 'starttls');
    if (ready.code === 220) {
      await session.startTls();
      // RFC 3207 4.2: forget what was learnt before TLS and greet again.
      greeted = await hello(session);
      if (greeted.reply.code !== 250) return refused(greeted.reply);
    }
  }
  // Credentials for the smarthost never go over a cleartext connection.
  if (options.requireTls && !session.secure)
    return {
      kind: 'refused',
      reply: '451 4.7.0 the relay host offers no TLS; credentials not sent',
      code: 451,
    };
  if (options.credentials) {
    const authed = await authenticate(session, greeted.extensions.get('AUTH') ?? '', options.credentials);
    if (authed.code !== 235) return refused(authed);
  }
  const parameters: string[] = [];
  if (greeted.extensions.has('SIZE')) parameters.push(`SIZE=${envelope.message.size}`);
  if (greeted.extensions.has('8BITMIME') && envelope.message.eightBit) parameters.push('BODY=8BITMIME');
  const international = !isAscii(envelope.sender) || envelope.recipients.some((address) => !isAscii(address));
  if (international && greeted.extensions.has('SMTPUTF8')) parameters.push('SMTPUTF8');
  const mail = await session.command(
    ['MAIL FROM:<' + envelope.sender + '>', ...parameters].join(' '),
    'mail',
  );
  if (mail.code !== 250) return refused(mail);
  const replies = new Map<string, SmtpReply>();
  const accepted: string[] = [];
  for (const recipient of envelope.recipients) {
    const reply = await session.command(`RCPT TO:<${recipient}>`, 'rcpt');
    replies.set(recipient, reply);
    if (reply.code === 250 || reply.code === 251) accepted.push(recipient);
  }
  if (accepted.length === 0) return { kind: 'answered', replies };
  const data = await session.command('DATA', 'data');
  if (data.code !== 354) {
    for (const recipient of accepted) replies.set(recipient, data);
    return { kind: 'answered', replies };
  }
  const final = await session.sendData(envelope.message.chunks());
  for (const recipient of accepted) replies.set(recipient, final);
  return { kind: 'answered', replies };
}

/** True once the final dot went out: from then on another host must not get the message too. */
export function afterFinalDot(error: unknown): boolean {
  return error instanceof SessionError && error.phase === 'dot';
}
