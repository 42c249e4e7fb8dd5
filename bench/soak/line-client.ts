// The one socket client every soak load generator uses: plain or TLS, bound to a chosen loopback
// source address (so a misbehaving "client address" can be throttled without blocking the good
// traffic), and every wait bounded by a timeout so no load loop can hang on a stalled server.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export const SERVER_HOST = '127.0.0.1';

/** Why a wait ended without its answer: the three outcomes a soak counts separately. */
export type FailureKind = 'timeout' | 'closed' | 'refused';

export class SoakFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectOptions {
  port: number;
  tls?: boolean;
  /** Loopback source address, e.g. 127.0.0.3; the server always is 127.0.0.1. */
  localAddress?: string;
  timeoutMs: number;
}

/** Every open client, so the soak can destroy whatever is still open when it stops. */
export const openClients = new Set<LineClient>();

export class LineClient {
  private buffer = '';
  /** How far the current wait has already looked, so a long response is scanned once. */
  private scanned = 0;
  private closedByPeer = false;
  private wake: (() => void) | undefined;
  readonly openedAt = Date.now();

  private constructor(
    private readonly socket: Socket,
    readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      this.wake?.();
    });
    socket.on('close', () => {
      this.closedByPeer = true;
      openClients.delete(this);
      this.wake?.();
    });
    socket.on('error', () => {}); // a reset shows up as 'close'; the waiter reports it
    openClients.add(this);
  }

  static open(options: ConnectOptions): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const common = { host: SERVER_HOST, port: options.port, localAddress: options.localAddress };
      const socket = options.tls ? tlsConnect({ ...common, rejectUnauthorized: false }) : netConnect(common);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SoakFailure('timeout', `connect to port ${options.port} timed out`));
      }, options.timeoutMs);
      socket.once(options.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve(new LineClient(socket, options.timeoutMs));
      });
      socket.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(new SoakFailure('refused', `connect to port ${options.port}: ${error.message}`));
      });
    });
  }

  get closed(): boolean {
    return this.closedByPeer || this.socket.destroyed;
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /**
   * Waits for a complete line matching `pattern` and returns everything received up to and
   * including it (consumed from the buffer). Rejects on timeout or when the server closes first.
   */
  async until(pattern: RegExp, timeoutMs = this.timeoutMs): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    this.scanned = 0;
    for (;;) {
      const found = this.takeThroughMatchingLine(pattern);
      if (found !== undefined) return found;
      if (this.closed) throw new SoakFailure('closed', `closed before ${pattern}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new SoakFailure('timeout', `no ${pattern} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Sends a command and waits for the line that ends its answer. */
  async command(text: string, ends: RegExp, timeoutMs = this.timeoutMs): Promise<string> {
    this.write(text);
    return this.until(ends, timeoutMs);
  }

  /** Resolves once the server has closed the connection, or after `timeoutMs` (false). */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      this.buffer = ''; // unread greetings and errors are of no interest here
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.closed;
  }

  /** Drops the connection without a goodbye (what a crashed or vanished client does). */
  destroy(): void {
    this.socket.destroy();
    openClients.delete(this);
  }

  private takeThroughMatchingLine(pattern: RegExp): string | undefined {
    for (;;) {
      const newline = this.buffer.indexOf('\n', this.scanned);
      if (newline < 0) return undefined;
      const line = this.buffer.slice(this.scanned, newline).replace(/\r$/, '');
      this.scanned = newline + 1;
      if (pattern.test(line)) {
        const taken = this.buffer.slice(0, this.scanned);
        this.buffer = this.buffer.slice(this.scanned);
        this.scanned = 0;
        return taken;
      }
    }
  }
}
