// One ManageSieve connection (RFC 5804): reads commands (reader.ts), runs them one at a time in
// order, and keeps the state: not authenticated, authenticated (a mailbox), or closed. The
// socket may be swapped for a TLS one by STARTTLS (section 2.2).
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import { logger } from '../core/logger';
import { handshakeDeadline, type PeerTimeouts } from '../core/connection-limits';
import { TransferDeadline } from '../core/transfer-deadline';
import { CommandReader, type ReaderEvent, type Token } from './reader';
import { response } from './wire';

export interface ManageSieveOptions {
  /** Lets AUTHENTICATE work without TLS (POSTROOM_MANAGESIEVE_ALLOW_PLAIN_AUTH=1); off by default. */
  allowPlainAuth: boolean;
  secureContext?: SecureContext;
  idleTimeoutMs: number;
  timeouts: PeerTimeouts;
  maxLiteralBytes: number;
}

export interface SessionUser {
  id: number;
  address: string;
}

export type CommandHandler = (session: ManageSieveSession, args: Token[]) => Promise<void>;

const PENDING_LIMIT = 32;

export class ManageSieveSession {
  socket: Socket;
  secure: boolean;
  readonly remoteAddress: string;
  user: SessionUser | null = null;
  closed = false;
  /** AUTHENTICATE waiting for the client's next SASL response (a string). */
  awaitingSasl: ((response: Token[]) => Promise<void>) | null = null;
  private readonly reader: CommandReader;
  private readonly inbox: ReaderEvent[] = [];
  private running = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly deadline = new TransferDeadline((phase) => {
    this.bye(phase === 'auth' ? 'Authentication took too long' : 'Command not completed in time');
  });
  private closedResolve!: () => void;
  readonly closedPromise = new Promise<void>((resolve) => (this.closedResolve = resolve));

  constructor(
    socket: Socket,
    secure: boolean,
    readonly options: ManageSieveOptions,
    private readonly commands: Readonly<Record<string, CommandHandler>>,
    greet: (session: ManageSieveSession) => void,
  ) {
    this.socket = socket;
    this.secure = secure;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.reader = new CommandReader(options.maxLiteralBytes);
    this.attach(socket);
    this.touch();
    greet(this);
  }

  get authAllowed(): boolean {
    return this.secure || this.options.allowPlainAuth;
  }

  private readonly onData = (chunk: Buffer) => {
    this.touch();
    this.deadline.received(chunk.length);
    this.inbox.push(...this.reader.push(chunk));
    if (this.awaitingSasl)
      this.deadline.begin('auth', { deadlineMs: this.options.timeouts.authMs, minBytesPerSecond: 0 });
    else if (this.reader.inCommand)
      this.deadline.begin('command', {
        deadlineMs: this.options.timeouts.commandMs,
        minBytesPerSecond: this.options.timeouts.minBytesPerSecond,
      });
    else if (this.deadline.current === 'command') this.deadline.end();
    if (this.inbox.length > PENDING_LIMIT) this.socket.pause();
    void this.pump();
  };

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', (error) => logger.debug('managesieve socket error', { error: error.message }));
    socket.on('close', () => void this.shutdown());
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.bye('Disconnected for inactivity'), this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.inbox.length > 0 && !this.closed) {
        const event = this.inbox.shift()!;
        if (this.inbox.length < PENDING_LIMIT / 2 && this.socket.isPaused()) this.socket.resume();
        try {
          await this.handle(event);
        } catch (error) {
          logger.error('managesieve command failed', {
            error: error instanceof Error ? error.message : String(error),
          });
          this.send(response('NO', 'Internal error, try again', 'TRYLATER'));
        }
        if (!this.awaitingSasl && this.deadline.current === 'auth') this.deadline.end();
      }
    } finally {
      this.running = false;
    }
  }

  private async handle(event: ReaderEvent): Promise<void> {
    if (event.kind === 'fatal') return this.bye(event.message);
    if (this.awaitingSasl) {
      const continuation = this.awaitingSasl;
      this.awaitingSasl = null;
      if (event.kind === 'bad') return this.send(response('NO', event.message, event.code));
      return continuation(event.tokens);
    }
    if (event.kind === 'bad') return this.send(response('NO', event.message, event.code));
    const [first, ...args] = event.tokens;
    if (!first) return this.send(response('NO', 'Empty command'));
    if (first.kind !== 'atom') return this.send(response('NO', 'Expected a command name'));
    const handler = this.commands[first.value.toUpperCase()];
    if (!handler) return this.send(response('NO', `Unknown command ${first.value.slice(0, 20)}`));
    await handler(this, args);
  }

  send(text: string): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(`${text}\r\n`);
  }

  /** STARTTLS: OK in plaintext, then TLS; anything the client sent ahead is dropped (RFC 5804 2.2). */
  startTls(secureContext: SecureContext, afterHandshake: () => void): void {
    this.inbox.length = 0;
    this.reader.reset();
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.removeAllListeners('close');
    const secured = new TLSSocket(plain, { isServer: true, secureContext });
    handshakeDeadline(secured, this.options.timeouts.tlsHandshakeMs);
    secured.once('secure', afterHandshake);
    this.socket = secured;
    this.secure = true;
    this.attach(secured);
  }

  /** BYE and close (section 1.2: the server may end the connection with BYE). */
  bye(text: string): void {
    this.send(response('BYE', text));
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    void this.shutdown();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    void this.shutdown();
  }

  private shuttingDown: Promise<void> | undefined;
  private shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.closed = true;
      this.deadline.end();
      clearTimeout(this.idleTimer);
      this.closedResolve();
    })();
    return this.shuttingDown;
  }
}
