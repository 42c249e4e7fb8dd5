// One IMAP connection: reads commands one at a time (pull model, so AUTHENTICATE and IDLE can read
// raw lines), runs them in the state machine of RFC 9051 section 3, and answers.
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { AuthenticatedUser } from '../auth';
import { logger } from '../core/logger';
import {
  CommandReader,
  CommandTooBigError,
  parseCommand,
  ParseError,
  type ParsedCommand,
  type ParserLimits,
} from './parser';
import { ImapError } from './errors';
import { capabilities } from './capabilities';
import { findCommand, type State } from './commands';
import type { SelectedMailbox } from './mailbox';
import type { Notifier } from './notify';
import { handshakeDeadline } from '../core/connection-limits';
import { leanTlsSocket } from '../core/lean-tls';
import { ImapPeerGuard, type ImapPeerLimits, type SlowPhase } from './peer-limits';
import { SessionLiteralSpool } from './literal-spool';

/** Shared by every session of a server (one object, not a copy per connection). */
export interface SessionOptions {
  tlsOptions: TlsOptions;
  allowPlainAuth: boolean;
  limits: ParserLimits;
  hostname: string;
  /** Closes idle sessions: RFC 9051 section 5.4 asks for at least 30 minutes. */
  idleTimeoutMs: number;
  /** Deadlines against trickling peers and the per-user-and-address session limit. */
  peer: ImapPeerLimits;
}

/** The session a socket carries, for the listeners below (shared functions, not closures per socket). */
const SESSION = Symbol('imapSession');
type SessionSocket = Socket & { [SESSION]?: ImapSession };
const sessionOf = (socket: Socket) => (socket as SessionSocket)[SESSION];

function onData(this: Socket, chunk: Buffer): void {
  sessionOf(this)?.received(chunk);
}
function onEnd(this: Socket): void {
  sessionOf(this)?.reader.end();
}
function onClose(this: Socket): void {
  const session = sessionOf(this);
  if (!session) return;
  session.closed = true;
  session.reader.end();
}
function onTimeout(this: Socket): void {
  sessionOf(this)?.idleTooLong();
}
function onError(this: Socket): void {
  this.destroy();
}

export class ImapSession {
  state: State = 'notauth';
  socket: Socket;
  secure: boolean;
  user: AuthenticatedUser | null = null;
  mailbox: SelectedMailbox | null = null;
  /** NOTIFY (RFC 5465) once the client sent one; until then IDLE reports as RFC 2177 says. */
  notify: Notifier | null = null;
  readonly enabled = new Set<string>();
  reader: CommandReader;
  closed = false;
  readonly remoteAddress: string;
  private readonly guard: ImapPeerGuard;

  constructor(
    socket: Socket,
    readonly options: SessionOptions,
    secure = false,
  ) {
    this.socket = socket;
    this.secure = secure;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.guard = new ImapPeerGuard(options.peer, (phase) => this.tooSlow(phase));
    this.reader = this.newReader();
    this.attach(socket);
  }

  get utf8(): boolean {
    return this.enabled.has('UTF8=ACCEPT') || this.enabled.has('IMAP4REV2');
  }

  get condstore(): boolean {
    return this.enabled.has('CONDSTORE') || this.enabled.has('QRESYNC');
  }

  /**
   * A CONDSTORE-enabling command (RFC 7162 section 3.1): from now on MODSEQ is reported, and a
   * selected mailbox's HIGHESTMODSEQ is announced once.
   */
  enableCondstore(): void {
    if (this.enabled.has('CONDSTORE')) return;
    this.enabled.add('CONDSTORE');
    if (this.mailbox) this.send(`* OK [HIGHESTMODSEQ ${this.mailbox.highestModseq}] Highest`);
  }

  /** The session is the reader's byte source (pause, resume, askForLiteral): no closures per session. */
  private newReader(): CommandReader {
    return new CommandReader(this, this.options.limits, null, new SessionLiteralSpool());
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  askForLiteral(): void {
    this.send('+ Ready for literal data');
  }

  received(chunk: Buffer): void {
    this.reader.push(chunk);
    this.guard.received(chunk.length);
  }

  idleTooLong(): void {
    this.send('* BYE Autologout; idle for too long');
    this.socket.destroy();
  }

  /** A peer that trickles a command or a SASL exchange: every byte resets the idle timer. */
  private tooSlow(phase: SlowPhase): void {
    this.send(
      phase === 'auth' ? '* BYE Authentication took too long' : '* BYE Command not completed in time',
    );
    this.uncork();
    const socket = this.socket;
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /**
   * The server stops (RFC 9051 7.1.5): BYE now, whatever the session is doing (an unanswered
   * command was not acknowledged), and the connection closed; destroyed a second later at most.
   */
  shutdown(): void {
    if (this.closed || this.socket.destroyed) return;
    this.uncork();
    this.send('* BYE Server shutting down');
    const socket = this.socket;
    this.closed = true;
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private attach(socket: Socket): void {
    (socket as SessionSocket)[SESSION] = this;
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.on('timeout', onTimeout);
    socket.setTimeout(this.options.idleTimeoutMs);
  }

  private detach(socket: Socket): void {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
  }

  /**
   * While a command runs its response lines are collected and written as one piece when it ends
   * (one stream write, one TLS record, one syscall), not one write per line.
   */
  private corked: Socket | null = null;
  private pending: string[] = [];

  private cork(): void {
    if (this.corked || this.socket.destroyed) return;
    this.corked = this.socket;
    this.socket.cork();
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    if (!this.closed && !this.socket.destroyed) this.socket.write(text);
  }

  /** Sends what the command wrote so far; a continuation request or a full buffer must not wait. */
  private uncork(): void {
    this.flushPending();
    const socket = this.corked;
    this.corked = null;
    socket?.uncork();
  }

  /** Writes one response line. */
  send(line: string): void {
    if (this.closed || this.socket.destroyed) return;
    if (this.corked) this.pending.push(`${line}\r\n`);
    else this.socket.write(`${line}\r\n`);
    // "+" asks the client for more (literal, AUTHENTICATE, IDLE): it must leave now.
    if (line.startsWith('+')) this.uncork();
  }

  /** Writes bytes and waits while the socket's buffer is full (large FETCH responses). */
  async write(data: string | Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed) return;
    this.flushPending(); // lines sent before come first
    if (!this.socket.write(data)) {
      this.uncork();
      const socket = this.socket;
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }

  capabilityLine(): string {
    return capabilities({
      secure: this.secure,
      authenticated: this.state !== 'notauth',
      allowPlainAuth: this.options.allowPlainAuth,
      canStartTls: true,
    });
  }

  /** STARTTLS (RFC 9051 section 6.2.1): plaintext buffered before the handshake is thrown away. */
  async startTls(): Promise<void> {
    this.uncork();
    const plain = this.socket;
    this.detach(plain);
    this.reader = this.newReader();
    const secure = leanTlsSocket(plain, this.options.tlsOptions);
    handshakeDeadline(secure, this.options.peer.timeouts.tlsHandshakeMs);
    this.socket = secure;
    this.attach(secure);
    this.secure = true;
  }

  async run(): Promise<void> {
    this.send(`* OK [CAPABILITY ${this.capabilityLine()}] ${this.options.hostname} Postroom IMAP ready`);
    try {
      while (this.state !== 'logout' && !this.closed) {
        let raw;
        this.guard.waitingForCommand();
        try {
          raw = await this.reader.readCommand();
        } catch (error) {
          if (!(error instanceof CommandTooBigError)) throw error;
          if (error.closeConnection) {
            // RFC 7888 section 4: the client is already sending a literal we will not read.
            this.send(`${error.tag ?? '*'} BAD [TOOBIG] ${error.message}`);
            this.send('* BYE Literal too large; closing the connection');
            break;
          }
          this.send(`${error.tag ?? '*'} ${error.tooBig ? 'NO [TOOBIG]' : 'BAD'} ${error.message}`);
          continue;
        } finally {
          this.guard.commandArrived();
        }
        if (raw === null) break;
        let command: ParsedCommand;
        try {
          command = parseCommand(raw, this.options.limits);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
          this.send(`${raw.tag ?? '*'} BAD ${error.message}`);
          continue;
        }
        await this.notify?.beforeCommand(command);
        await this.execute(command);
        this.notify?.afterCommand();
      }
    } catch (error) {
      logger.error('imap session failed', { error: String(error), stack: (error as Error).stack });
    } finally {
      this.closed = true;
      this.guard.close();
      // A literal spooled for a command that never ran (or the budget it held) is given back.
      await this.reader.releaseLiterals().catch(() => {});
      this.notify?.stop();
      this.mailbox?.close();
      this.mailbox = null;
      if (!this.socket.destroyed) this.socket.end();
    }
  }

  private async execute(command: ParsedCommand): Promise<void> {
    let name = command.name;
    if (name === 'UID') {
      const sub = command.args.peek();
      if (sub?.kind === 'atom') name = `UID ${command.args.atom('command').toUpperCase()}`;
    }
    const handler = findCommand(name);
    if (!handler) {
      this.send(`${command.tag} BAD Unknown command ${name.slice(0, 40)}`);
      return;
    }
    if (!handler.states.includes(this.state)) {
      const why =
        this.state === 'notauth'
          ? 'Log in first'
          : this.state === 'auth'
            ? 'Select a mailbox first'
            : 'Not allowed now';
      this.send(`${command.tag} BAD ${why}`);
      return;
    }
    this.cork();
    const loggingIn = this.state === 'notauth';
    if (name === 'AUTHENTICATE') this.guard.authenticating();
    try {
      const text = await handler.run(this, command);
      if (loggingIn && this.state !== 'notauth' && !(await this.admitLogin())) {
        this.send(`${command.tag} NO [LIMIT] Too many connections`);
        return;
      }
      if (this.state === 'selected' && this.mailbox && handler.sync !== 'none')
        await this.mailbox.sync(this, handler.sync === 'full');
      if (text !== null) this.send(`${command.tag} OK ${text ?? `${name} completed`}`);
    } catch (error) {
      if (error instanceof ImapError) {
        this.send(`${command.tag} ${error.status} ${error.code ? `[${error.code}] ` : ''}${error.message}`);
      } else if (error instanceof ParseError) {
        this.send(`${command.tag} BAD ${error.message}`);
      } else {
        logger.error('imap command failed', {
          command: name,
          error: String(error),
          stack: (error as Error).stack,
        });
        this.send(`${command.tag} NO [SERVERBUG] Internal error, try again`);
      }
    } finally {
      if (name === 'AUTHENTICATE') this.guard.authenticated();
      this.uncork();
    }
  }

  /** RFC 5530 LIMIT: this user already has the most sessions from this address. */
  private async admitLogin(): Promise<boolean> {
    if (!this.user || (await this.guard.admitLogin(this.user.id, this.remoteAddress))) return true;
    this.user = null;
    this.state = 'notauth';
    return false;
  }
}
