// One POP3 connection (RFC 1939): reads command lines, runs them one at a time in order
// (RFC 2449 PIPELINING), and keeps the state: AUTHORIZATION, TRANSACTION, then UPDATE at QUIT.
// The socket may be swapped for a TLS one by STLS (RFC 2595 section 4).
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import { logger } from '../core/logger';
import type { Maildrop } from '../store/maildrop';
import type { MaildropLock } from '../store/maildrop';
import { LineSplitter, type LineEvent } from './lines';
import { handshakeDeadline, type PeerTimeouts } from '../core/connection-limits';
import { TransferDeadline } from '../core/transfer-deadline';

export type Pop3State = 'authorization' | 'transaction' | 'update' | 'closed';

export interface Pop3Options {
  /** Lets USER/PASS and AUTH work without TLS (POSTROOM_POP3_ALLOW_PLAIN_AUTH=1); off by default. */
  allowPlainAuth: boolean;
  /** For STLS on the plain port; absent on the implicit-TLS port. */
  secureContext?: SecureContext;
  /** RFC 1939 section 3: the autologout timer is at least 10 minutes. */
  idleTimeoutMs: number;
  /** Hard deadlines a trickling peer cannot reset: STLS handshake, a command line, an AUTH exchange. */
  timeouts: PeerTimeouts;
}

export type CommandHandler = (session: Pop3Session, args: string) => Promise<void>;

const PENDING_LINES_LIMIT = 64;

export class Pop3Session {
  state: Pop3State = 'authorization';
  socket: Socket;
  secure: boolean;
  readonly remoteAddress: string;
  /** The name given by USER, waiting for PASS. */
  pendingUser: string | null = null;
  /** AUTH PLAIN sent without an initial response: the next line is the SASL response. */
  awaitingSasl: ((line: string) => Promise<void>) | null = null;
  userId = 0;
  maildrop: Maildrop | null = null;
  lock: MaildropLock | null = null;
  /** Message numbers (1-based) marked by DELE. */
  readonly deleted = new Set<number>();
  /** Message numbers sent whole by RETR: marked \Seen at QUIT, as Dovecot does for IMAP's sake. */
  readonly retrieved = new Set<number>();
  private readonly splitter = new LineSplitter();
  private readonly inbox: LineEvent[] = [];
  private running = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  private readonly deadline = new TransferDeadline((phase) => {
    this.reply(
      `-ERR [SYS/TEMP] ${phase === 'auth' ? 'Authentication took too long' : 'Command not completed in time'}`,
    );
    this.end();
  });
  private closedResolve!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.closedResolve = resolve));

  constructor(
    socket: Socket,
    secure: boolean,
    readonly options: Pop3Options,
    /** The command table, by upper-case verb: given by the server, so commands depend on the session only. */
    private readonly commands: Readonly<Record<string, CommandHandler>>,
  ) {
    this.socket = socket;
    this.secure = secure;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.attach(socket);
    this.touch();
    this.reply('+OK Postroom POP3 server ready');
  }

  get authAllowed(): boolean {
    return this.secure || this.options.allowPlainAuth;
  }

  private readonly onData = (chunk: Buffer) => {
    this.touch();
    this.inbox.push(...this.splitter.push(chunk));
    this.deadline.received(chunk.length);
    if (this.awaitingSasl) this.timeAuth();
    else if (this.splitter.inLine)
      this.deadline.begin('command', { deadlineMs: this.options.timeouts.commandMs, minBytesPerSecond: 0 });
    else if (this.deadline.current === 'command') this.deadline.end();
    if (this.inbox.length > PENDING_LINES_LIMIT) this.socket.pause();
    void this.pump();
  };

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', (error) => logger.debug('pop3 socket error', { error: error.message }));
    socket.on('close', () => void this.shutdown());
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.reply('-ERR Autologout; idle for too long');
      this.end(); // no UPDATE state on a timeout (RFC 1939 section 3)
    }, this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.inbox.length > 0 && this.state !== 'closed') {
        const event = this.inbox.shift()!;
        if (this.inbox.length < PENDING_LINES_LIMIT / 2 && this.socket.isPaused()) this.socket.resume();
        try {
          if (event.kind === 'too-long') {
            this.awaitingSasl = null; // an over-long SASL response fails the exchange
            this.reply('-ERR Line too long');
          } else await this.dispatch(event.line);
          if (this.awaitingSasl) this.timeAuth();
          else if (this.deadline.current === 'auth') this.deadline.end();
        } catch (error) {
          logger.error('pop3 command failed', {
            error: error instanceof Error ? error.message : String(error),
          });
          this.reply('-ERR [SYS/TEMP] Internal error, try again');
        }
        if (this.socket.writableLength > 1 << 20)
          await new Promise<void>((resolve) => this.socket.once('drain', resolve));
      }
    } finally {
      this.running = false;
    }
  }

  /** An AUTH exchange (RFC 5034) from its first continuation to its end. */
  private timeAuth(): void {
    this.deadline.begin('auth', { deadlineMs: this.options.timeouts.authMs, minBytesPerSecond: 0 });
  }

  private async dispatch(line: string): Promise<void> {
    if (this.awaitingSasl) {
      const continuation = this.awaitingSasl;
      this.awaitingSasl = null;
      return continuation(line);
    }
    const space = line.indexOf(' ');
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space + 1);
    if (!verb) return this.reply('-ERR Empty command');
    const handler = this.commands[verb];
    if (!handler) return this.reply('-ERR Unknown command');
    return handler(this, args);
  }

  reply(line: string): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    this.socket.write(`${line}\r\n`);
  }

  send(data: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    this.socket.write(data);
  }

  /** STLS: the "+OK" goes out in plaintext, then TLS starts; anything pipelined after is dropped. */
  startTls(secureContext: SecureContext): void {
    this.inbox.length = 0;
    this.splitter.reset();
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.removeAllListeners('close');
    const secured = new TLSSocket(plain, { isServer: true, secureContext });
    handshakeDeadline(secured, this.options.timeouts.tlsHandshakeMs);
    this.socket = secured;
    this.secure = true;
    this.pendingUser = null;
    this.attach(secured);
  }

  /** Logged in: holds the lock (refreshed while the session lives) and the fixed message list. */
  beginTransaction(userId: number, lock: MaildropLock, maildrop: Maildrop, refreshMs: number): void {
    this.userId = userId;
    this.lock = lock;
    this.maildrop = maildrop;
    this.state = 'transaction';
    this.lockTimer = setInterval(() => {
      void lock.refresh().then(
        (held) => {
          if (held) return;
          logger.warn('pop3 maildrop lock lost', { userId });
          this.reply('-ERR [SYS/TEMP] Maildrop lock lost');
          this.end();
        },
        () => undefined,
      );
    }, refreshMs);
    this.lockTimer.unref();
  }

  /** Gives the maildrop back (at the end of UPDATE, before the final reply, and on any close). */
  async releaseLock(): Promise<void> {
    clearInterval(this.lockTimer);
    const lock = this.lock;
    this.lock = null;
    if (lock)
      await lock
        .release()
        .catch((error: unknown) => logger.warn('pop3 lock release failed', { error: String(error) }));
  }

  /** Closes the connection after pending output; no deletions happen here. */
  end(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    void this.shutdown();
  }

  destroy(): void {
    this.state = 'closed';
    this.socket.destroy();
    void this.shutdown();
  }

  private shuttingDown: Promise<void> | undefined;
  private shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.state = 'closed';
      this.deadline.end();
      clearTimeout(this.idleTimer);
      clearInterval(this.lockTimer);
      await this.releaseLock();
      this.closedResolve();
    })();
    return this.shuttingDown;
  }
}
