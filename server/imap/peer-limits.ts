// What one IMAP peer may hold: a command (its line and literals) must arrive within the command
// deadline, or keep up the minimum rate beyond it (a large APPEND on a slow link); AUTHENTICATE
// must be over within the auth deadline; and one user may have only so many sessions from one
// address (Dovecot's mail_max_userip_connections), counted across the worker processes of a
// cluster as the per-address connection limits are (cluster/shared-counter.ts).
import type { PeerTimeouts } from '../core/connection-limits';
import { type Release, SharedConnectionCounter } from '../cluster/shared-counter';
import { TransferDeadline } from '../core/transfer-deadline';

export interface ImapPeerLimits {
  timeouts: PeerTimeouts;
  /** Logged-in sessions per user and client address. */
  sessionsPerUserAddress: SharedConnectionCounter;
  maxSessionsPerUserAddress: number;
}

export function newImapPeerLimits(timeouts: PeerTimeouts, maxSessionsPerUserAddress: number): ImapPeerLimits {
  return {
    timeouts,
    sessionsPerUserAddress: new SharedConnectionCounter('imap-user'),
    maxSessionsPerUserAddress,
  };
}

export type SlowPhase = 'command' | 'auth';

export class ImapPeerGuard {
  private readonly deadline: TransferDeadline;
  private waiting = false;
  /** Bytes came while a command ran: the next command may have begun already. */
  private arrivedMeanwhile = false;
  private releaseLogin: Release | null = null;
  private closed = false;

  constructor(
    private readonly limits: ImapPeerLimits,
    onExpire: (phase: SlowPhase) => void,
  ) {
    this.deadline = new TransferDeadline((phase) => onExpire(phase as SlowPhase));
  }

  received(bytes: number): void {
    this.deadline.received(bytes);
    if (this.waiting) this.beginCommand();
    else this.arrivedMeanwhile = true;
  }

  /** The session waits for the next command: its clock starts with its first byte. */
  waitingForCommand(): void {
    this.waiting = true;
    if (this.arrivedMeanwhile) this.beginCommand();
  }

  commandArrived(): void {
    this.waiting = false;
    this.deadline.end();
  }

  private beginCommand(): void {
    this.arrivedMeanwhile = false;
    const { commandMs, minBytesPerSecond } = this.limits.timeouts;
    this.deadline.begin('command', { deadlineMs: commandMs, minBytesPerSecond });
  }

  /** AUTHENTICATE's SASL exchange (RFC 9051 6.2.2), server's own work included. */
  authenticating(): void {
    this.deadline.begin('auth', { deadlineMs: this.limits.timeouts.authMs, minBytesPerSecond: 0 });
  }

  authenticated(): void {
    this.deadline.end();
  }

  /** Counts a login of `userId` from `address`; false when that pair has its most sessions open. */
  async admitLogin(userId: number, address: string): Promise<boolean> {
    this.releaseLogin?.();
    this.releaseLogin = null;
    const release = await this.limits.sessionsPerUserAddress.acquire(
      `${userId}|${address}`,
      this.limits.maxSessionsPerUserAddress,
    );
    // The client left while the cluster primary was asked: its place goes back at once.
    if (release && this.closed) release();
    else this.releaseLogin = release;
    return release !== null;
  }

  close(): void {
    this.closed = true;
    this.deadline.end();
    this.releaseLogin?.();
    this.releaseLogin = null;
  }
}
