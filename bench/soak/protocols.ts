// Thin protocol helpers over LineClient: an SMTP reply check, an IMAP tagged command, a POP3
// status line, and the test message. Each turns a wrong answer into an error the loops count.
import { randomBytes } from 'node:crypto';
import type { LineClient } from './line-client';

export class UnexpectedReply extends Error {}

/** Sends an SMTP command and checks the final reply line starts with `code` (RFC 5321 4.2). */
export async function smtpExpect(client: LineClient, command: string, code: string): Promise<string> {
  const reply = await client.command(command, /^\d{3} /);
  const last = reply.trimEnd().split('\n').at(-1) ?? '';
  if (!last.startsWith(code)) throw new UnexpectedReply(`${command.trim()} -> ${last.trim()}`);
  return reply;
}

/** Tags IMAP commands and waits for each one's tagged completion (RFC 9051 2.2.2). */
export class ImapConversation {
  private next = 1;
  constructor(private readonly client: LineClient) {}

  /** Runs a command; resolves with the whole response on OK, throws on NO/BAD. */
  async run(command: string): Promise<string> {
    const tag = `s${this.next++}`;
    const response = await this.client.command(`${tag} ${command}\r\n`, new RegExp(`^${tag} (OK|NO|BAD)`));
    const tagged = response.trimEnd().split('\n').at(-1) ?? '';
    if (!tagged.startsWith(`${tag} OK`)) throw new UnexpectedReply(`${command.split(' ')[0]} -> ${tagged}`);
    return response;
  }

  /** Starts IDLE and waits for the continuation request (RFC 2177). Returns the tag to end it. */
  async startIdle(): Promise<string> {
    const tag = `s${this.next++}`;
    await this.client.command(`${tag} IDLE\r\n`, /^\+ /);
    return tag;
  }

  async endIdle(tag: string): Promise<void> {
    const response = await this.client.command('DONE\r\n', new RegExp(`^${tag} (OK|NO|BAD)`));
    if (!(response.trimEnd().split('\n').at(-1) ?? '').startsWith(`${tag} OK`))
      throw new UnexpectedReply(`IDLE -> ${response.trim()}`);
  }
}

export function imapQuote(text: string): string {
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** Sends a POP3 command and checks the status line is +OK (RFC 1939 3). */
export async function pop3Expect(client: LineClient, command: string): Promise<string> {
  const status = await client.command(command, /^[+-]/);
  if (!status.startsWith('+OK')) throw new UnexpectedReply(`${command.split(' ')[0]} -> ${status.trim()}`);
  return status;
}

/** Reads the rest of a POP3 multi-line answer, up to its lone "." line (RFC 1939 3). */
export function pop3MultiLine(client: LineClient): Promise<string> {
  return client.until(/^\.$/);
}

/** A plain-text message of 2 to 20 KB; lines starting with "." are dot-stuffed for DATA. */
export function soakMessage(serial: number, to: string): string {
  const lines = 30 + Math.floor(Math.random() * 250);
  const body = Array.from({ length: lines }, (_, i) =>
    i % 17 === 0 ? `..line ${i} starts with a dot` : randomBytes(36).toString('base64'),
  );
  return [
    'From: Soak Sender <sender@soak-sender.example>',
    `To: <${to}>`,
    `Subject: soak ${serial}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${serial}.${randomBytes(6).toString('hex')}@soak-sender.example>`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    ...body,
    '',
  ].join('\r\n');
}
