// Bounds on how long and how many connections one peer may hold, shared by SMTP, IMAP and POP3:
// a hard TLS handshake deadline (an idle timer is reset by every trickled byte), and counters of
// open connections per client address (and per user and address for IMAP, as Dovecot's
// mail_max_userip_connections). ConnectionCounter counts in this process's memory; the counts a
// worker acts on are kept per node by cluster/shared-counter.ts and shared across nodes on MariaDB.
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';

function secondsFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export interface PeerTimeouts {
  /** A TLS handshake (implicit TLS or after STARTTLS/STLS) must finish within this. */
  tlsHandshakeMs: number;
  /** A command line, once its first byte arrived, must be complete within this. */
  commandMs: number;
  /** A SASL exchange (AUTH, AUTHENTICATE) must be over within this. */
  authMs: number;
  /** SMTP DATA and IMAP literals: the least average rate over each window... */
  minBytesPerSecond: number;
  /** ...of this length, the first one being the grace period. */
  transferWindowMs: number;
}

/** Read when a listener starts, so tests can set short values through the environment. */
export function peerTimeouts(): PeerTimeouts {
  return {
    tlsHandshakeMs: secondsFromEnv('POSTROOM_TLS_HANDSHAKE_TIMEOUT', 30) * 1000,
    commandMs: secondsFromEnv('POSTROOM_COMMAND_TIMEOUT', 60) * 1000,
    authMs: secondsFromEnv('POSTROOM_AUTH_TIMEOUT', 60) * 1000,
    minBytesPerSecond: secondsFromEnv('POSTROOM_MIN_TRANSFER_RATE', 1024),
    transferWindowMs: secondsFromEnv('POSTROOM_TRANSFER_GRACE', 30) * 1000,
  };
}

/** A count limit from the environment (a whole number, at least 1). */
export function limitFromEnv(name: string, fallback: number): number {
  const value = secondsFromEnv(name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got "${value}"`);
  return value;
}

/** Open connections per key (a client address, or a user and address). */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  /** Counts one more under `key` and gives back its release, or null when `max` are already open. */
  acquire(key: string, max: number): (() => void) | null {
    const count = this.open.get(key) ?? 0;
    if (count >= max) return null;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}

/** Destroys a TLS socket made by hand (STARTTLS, STLS) unless its handshake is over within `ms`. */
export function handshakeDeadline(socket: TLSSocket, ms: number): void {
  const timer = setTimeout(destroySocket, ms, socket as Socket);
  timer.unref();
  const clear = () => {
    clearTimeout(timer);
    socket.off('secure', clear);
    socket.off('close', clear);
  };
  socket.on('secure', clear);
  socket.on('close', clear);
}

const keyOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

/**
 * A hard handshake deadline for every connection of an implicit-TLS listener, from accept on (the
 * server's own handshakeTimeout is an idle timer). Call the returned function from the
 * secureConnection handler.
 */
export function guardTlsHandshakes(server: TlsServer, ms: number): (socket: TLSSocket) => void {
  const pending = new Map<string, () => void>();
  server.on('connection', (raw: Socket) => {
    const key = keyOf(raw);
    const timer = setTimeout(destroySocket, ms, raw);
    timer.unref();
    // Once the handshake is over nothing of this is kept: the listener went with it.
    const done = () => {
      clearTimeout(timer);
      raw.off('close', done);
      if (pending.get(key) === done) pending.delete(key);
    };
    pending.set(key, done);
    raw.on('close', done);
  });
  return (socket) => pending.get(keyOf(socket))?.();
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}
