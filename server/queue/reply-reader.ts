// Splits what a remote SMTP server sends into replies (RFC 5321 4.2: "xyz-text" continues, "xyz text"
// ends), with limits so a peer that floods us with one endless line or endless continuation lines
// ends the session instead of filling memory.

export interface SmtpReply {
  code: number;
  /** The reply's text lines without the code, e.g. ["mx.example ESMTP", "PIPELINING"]. */
  lines: string[];
}

/** RFC 5321 4.5.3.1.5 allows 512 octets a reply line; real servers stay well below this. */
const MAX_LINE_BYTES = 4096;
const MAX_LINES_PER_REPLY = 200;
/** Replies we did not ask for (we never pipeline): a few are tolerated, a stream is not. */
const MAX_UNREAD_REPLIES = 8;

export class ReplyFloodError extends Error {}

export class ReplyReader {
  private partial = Buffer.alloc(0);
  private lines: string[] = [];
  private code = 0;
  readonly replies: SmtpReply[] = [];

  /** Takes received bytes; throws ReplyFloodError when a limit is passed or a line is not a reply. */
  push(chunk: Buffer): void {
    let data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10)) {
      const line = data.subarray(0, end).toString('latin1').replace(/\r$/, '');
      data = data.subarray(end + 1);
      this.takeLine(line);
    }
    if (data.length > MAX_LINE_BYTES) throw new ReplyFloodError('reply line too long');
    this.partial = Buffer.from(data);
  }

  /** Anything received beyond complete replies (there must be nothing when TLS starts, RFC 3207 5). */
  get hasUnreadData(): boolean {
    return this.partial.length > 0 || this.lines.length > 0 || this.replies.length > 0;
  }

  private takeLine(line: string): void {
    if (line.length > MAX_LINE_BYTES) throw new ReplyFloodError('reply line too long');
    const match = /^([2-5]\d\d)([ -]|$)(.*)$/.exec(line);
    if (!match) throw new ReplyFloodError(`not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`);
    const code = Number(match[1]);
    if (this.lines.length > 0 && code !== this.code)
      throw new ReplyFloodError('reply code changed inside a multiline reply');
    this.code = code;
    this.lines.push(match[3] ?? '');
    if (this.lines.length > MAX_LINES_PER_REPLY) throw new ReplyFloodError('reply has too many lines');
    if (match[2] === '-') return;
    this.replies.push({ code, lines: this.lines });
    this.lines = [];
    if (this.replies.length > MAX_UNREAD_REPLIES) throw new ReplyFloodError('too many unrequested replies');
  }
}

/** One line for logs and the journey page: "550 5.1.1 No such user". */
export function replyText(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.join(' ')}`.trim();
}
