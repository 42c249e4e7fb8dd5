// One outbound SMTP connection with a deadline on every phase (timeouts.ts). Any error, close,
// timeout, flood or abort ends the session at once and rejects what is waiting with a
// SessionError naming the phase, so an attempt always settles whatever the peer does. (nodemailer's
// SMTPConnection has only an idle timer, which a peer trickling a byte at a time never trips, and
// reports a close after DATA as an 'error' event outside the send callback.)
import net from 'node:net';
import tls from 'node:tls';
import { ReplyFloodError, ReplyReader, replyText, type SmtpReply } from './reply-reader';
import { PHASE_WORDS, type PhaseTimeouts, type SessionPhase } from './timeouts';

export type SessionErrorKind = 'timeout' | 'closed' | 'protocol' | 'tls' | 'aborted';

export class SessionError extends Error {
  constructor(
    message: string,
    readonly phase: SessionPhase,
    readonly kind: SessionErrorKind,
  ) {
    super(message);
  }
}

export interface SessionOptions {
  address: string;
  port: number;
  /** The MX host name: TLS SNI and certificate name. */
  host: string;
  implicitTls: boolean;
  rejectUnauthorized: boolean;
  timeouts: PhaseTimeouts;
  signal?: AbortSignal;
}

interface Waiter {
  /** A reply waiter takes the next reply; a guard (connect, handshake, drain) takes none. */
  wantsReply: boolean;
  resolve(reply: SmtpReply): void;
  reject(error: Error): void;
}

/** Bytes written before waiting for the socket to drain; each wait is one RFC "data block". */
const WRITE_CHUNK_BYTES = 64 * 1024;

export class SmtpSession {
  private socket: net.Socket;
  private readonly reader = new ReplyReader();
  private waiter: Waiter | null = null;
  private failure: SessionError | null = null;
  private phase: SessionPhase = 'connect';
  private timer: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onClose = () =>
    this.fail(new SessionError(`connection closed ${PHASE_WORDS[this.phase]}`, this.phase, 'closed'));
  private readonly onError = (error: Error) =>
    this.fail(new SessionError(`${error.message} ${PHASE_WORDS[this.phase]}`, this.phase, 'closed'));
  private readonly onAbort = () =>
    this.fail(new SessionError('attempt abandoned (worker stopping)', this.phase, 'aborted'));

  private constructor(private readonly options: SessionOptions) {
    const target = { host: options.address, port: options.port };
    this.socket = options.implicitTls
      ? tls.connect({ ...target, ...this.tlsOptions() })
      : net.connect(target);
    this.listen(this.socket);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Connects (with implicit TLS on 465) and reads the greeting; resolves with the greeting reply. */
  static async open(options: SessionOptions): Promise<{ session: SmtpSession; greeting: SmtpReply }> {
    const session = new SmtpSession(options);
    if (options.signal?.aborted) session.onAbort();
    await session.guard('connect', session.socket, options.implicitTls ? 'secureConnect' : 'connect');
    const greeting = await session.read('greeting');
    return { session, greeting };
  }

  get secure(): boolean {
    return this.socket instanceof tls.TLSSocket && this.socket.encrypted;
  }

  /** Sends one command line and reads its reply within the phase's deadline. */
  async command(line: string, phase: SessionPhase): Promise<SmtpReply> {
    this.phase = phase;
    this.throwIfFailed();
    this.socket.write(`${line}\r\n`);
    return this.read(phase);
  }

  /** Upgrades after a 220 to STARTTLS (RFC 3207); anything the peer sent ahead is an injection. */
  async startTls(): Promise<void> {
    this.phase = 'starttls';
    if (this.reader.hasUnreadData)
      throw this.fail(new SessionError('data sent before the TLS handshake', 'starttls', 'protocol'));
    const plain = this.socket;
    this.unlisten(plain);
    const secure = tls.connect({ socket: plain, ...this.tlsOptions() });
    this.socket = secure;
    this.listen(secure);
    await this.guard('starttls', secure, 'secureConnect');
  }

  /**
   * Sends the message dot-stuffed (RFC 5321 4.5.2) and reads the reply to the final dot. Chunks are
   * read one at a time as the socket drains: a message from a file is never in memory whole.
   */
  async sendData(message: Buffer | AsyncIterable<Buffer>): Promise<SmtpReply> {
    this.phase = 'block';
    const stuffer = new DotStuffer();
    const send = async (bytes: Buffer) => {
      for (let offset = 0; offset < bytes.length; offset += WRITE_CHUNK_BYTES) {
        this.throwIfFailed();
        if (!this.socket.write(bytes.subarray(offset, offset + WRITE_CHUNK_BYTES)))
          await this.guard('block', this.socket, 'drain');
      }
    };
    for await (const chunk of Buffer.isBuffer(message) ? [message] : message) await send(stuffer.push(chunk));
    await send(stuffer.end());
    this.phase = 'dot';
    this.throwIfFailed();
    this.socket.write('.\r\n');
    return this.read('dot');
  }

  /** QUIT without waiting long for its answer, then the socket goes whatever happens. */
  close(): void {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    if (!this.failure && this.socket.writable) {
      this.phase = 'quit';
      this.socket.end('QUIT\r\n');
      setTimeout(() => this.socket.destroy(), this.options.timeouts.quit).unref();
    } else this.socket.destroy();
    this.failure ??= new SessionError('session closed', 'quit', 'closed');
  }

  private tlsOptions(): tls.ConnectionOptions {
    return {
      servername: net.isIP(this.options.host) ? undefined : this.options.host,
      rejectUnauthorized: this.options.rejectUnauthorized,
      minVersion: 'TLSv1.2',
    };
  }

  private listen(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  private unlisten(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('close', this.onClose);
    // An error on the raw socket now surfaces on the TLS socket; keep a listener so it cannot throw.
    socket.off('error', this.onError);
    socket.on('error', () => {});
  }

  private receive(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (error) {
      const text = error instanceof ReplyFloodError ? error.message : String(error);
      this.fail(new SessionError(`${text} ${PHASE_WORDS[this.phase]}`, this.phase, 'protocol'));
      return;
    }
    const reply = this.waiter?.wantsReply ? this.reader.replies.shift() : undefined;
    if (reply) this.settle()?.resolve(reply);
  }

  private read(phase: SessionPhase): Promise<SmtpReply> {
    this.phase = phase;
    this.throwIfFailed();
    const ready = this.reader.replies.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      this.waiter = { wantsReply: true, resolve, reject };
      this.timer = setTimeout(() => this.timeout(phase), this.options.timeouts[phase]);
    });
  }

  /** Waits for a socket event (connect, handshake, drain) under the phase's deadline and failure. */
  private guard(
    phase: SessionPhase,
    socket: net.Socket,
    event: 'connect' | 'secureConnect' | 'drain',
  ): Promise<void> {
    this.phase = phase;
    this.throwIfFailed();
    return new Promise((resolve, reject) => {
      this.waiter = { wantsReply: false, resolve: () => resolve(), reject };
      this.timer = setTimeout(() => this.timeout(phase), this.options.timeouts[phase]);
      socket.once(event, () => this.settle()?.resolve({ code: 0, lines: [] }));
    });
  }

  private timeout(phase: SessionPhase): void {
    const seconds = Math.round(this.options.timeouts[phase] / 100) / 10;
    this.fail(new SessionError(`no answer ${PHASE_WORDS[phase]} within ${seconds} s`, phase, 'timeout'));
  }

  private settle(): Waiter | null {
    clearTimeout(this.timer);
    const waiter = this.waiter;
    this.waiter = null;
    return waiter;
  }

  private fail(error: SessionError): SessionError {
    if (this.failure) return this.failure;
    this.failure = error;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
    this.settle()?.reject(error);
    return error;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/**
 * Doubles a leading dot on every line and ends the content with CRLF (RFC 5321 4.5.2), chunk by
 * chunk: a line start and the last two bytes are carried across chunk boundaries.
 */
export class DotStuffer {
  private atLineStart = true;
  private lastTwo = Buffer.alloc(0);
  private seen = false;

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const pieces: Buffer[] = [];
    let start = 0;
    for (let dot = chunk.indexOf(46); dot !== -1; dot = chunk.indexOf(46, dot + 1)) {
      const lineStart = dot === 0 ? this.atLineStart : chunk[dot - 1] === 10;
      if (!lineStart) continue;
      pieces.push(chunk.subarray(start, dot), DOT);
      start = dot;
    }
    pieces.push(chunk.subarray(start));
    this.atLineStart = chunk[chunk.length - 1] === 10;
    this.lastTwo = Buffer.concat([this.lastTwo, chunk.subarray(-2)]).subarray(-2);
    this.seen = true;
    return pieces.length === 1 ? chunk : Buffer.concat(pieces);
  }

  /** What must follow the content before the final dot: CRLF unless it already ends so. */
  end(): Buffer {
    return this.seen && !this.lastTwo.equals(CRLF) ? CRLF : Buffer.alloc(0);
  }
}

const DOT = Buffer.from('.');
const CRLF = Buffer.from('\r\n');

/** The whole message dot-stuffed at once (see DotStuffer). */
export function dotStuff(message: Buffer): Buffer {
  const stuffer = new DotStuffer();
  return Buffer.concat([stuffer.push(message), stuffer.end()]);
}

export { replyText, type SmtpReply };
