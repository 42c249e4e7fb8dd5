// Raw-socket peers that misbehave on purpose (stall, trickle, flood), for the connection limits
// of SMTP, IMAP and POP3: they never read the RFCs, so no real client library is used here.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

export class Peer {
  private text = '';
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;
  isClosed = false;

  constructor(readonly socket: Socket | TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Everything received so far. */
  get received(): string {
    return this.text;
  }

  /**
   * Waits until what was received (from offset `from` on) matches; throws after `timeoutMs` or if
   * closed first.
   */
  async waitFor(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.text.slice(from));
      if (match) return match;
      const left = deadline - Date.now();
      if (left <= 0 || this.isClosed)
        throw new Error(
          `no ${pattern} (${this.isClosed ? 'closed' : 'timed out'}); got ${JSON.stringify(this.text.slice(-400))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** True when the server closed the connection within `limitMs`. */
  closedWithin(limitMs: number): Promise<boolean> {
    return Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), limitMs).unref()),
    ]);
  }

  /** Milliseconds from now until the server closed the connection; null when not within `limitMs`. */
  async closesIn(limitMs: number): Promise<number | null> {
    const started = Date.now();
    return (await this.closedWithin(limitMs)) ? Date.now() - started : null;
  }

  /** Sends one line (CRLF added) and waits for a reply line matching `reply` after it. */
  async command(line: string | Buffer, reply: RegExp, timeoutMs = 10_000): Promise<string> {
    const from = this.text.length;
    this.write(Buffer.concat([Buffer.from(line), Buffer.from('\r\n')]));
    return (await this.waitFor(new RegExp(reply.source, 'm'), timeoutMs, from))[0];
  }

  write(data: string | Buffer): void {
    if (!this.isClosed) this.socket.write(data);
  }

  /** Sends `data` one byte every `intervalMs` until it is all sent or the server closes. */
  async trickle(data: string | Buffer, intervalMs: number): Promise<number> {
    const bytes = Buffer.from(data);
    let sent = 0;
    while (sent < bytes.length && !this.isClosed) {
      this.socket.write(bytes.subarray(sent, sent + 1));
      sent++;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    return sent;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A plain TCP peer that has connected (and sent nothing). */
export async function tcpPeer(port: number): Promise<Peer> {
  const socket = connectTcp(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return new Peer(socket);
}

/** A peer over implicit TLS, handshake done. */
export async function tlsPeer(port: number): Promise<Peer> {
  const socket = connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false });
  const peer = new Peer(socket);
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return peer;
}

/** Wraps a plain peer's socket in TLS after STARTTLS/STLS was answered. */
export async function upgradePeer(peer: Peer): Promise<Peer> {
  const socket = connectTls({ socket: peer.socket as Socket, rejectUnauthorized: false });
  const secured = new Peer(socket);
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return secured;
}
