// What one IMAP peer may hold: a command (its line and literals) must arrive within the command
// deadline, or keep up the minimum rate beyond it (a large APPEND on a slow link); AUTHENTICATE
// must be over within the auth deadline; and one user may have only so many sessions from one
// address (Dovecot's mail_max_userip_connections). Counted in this process only.
import { ConnectionCounter, type PeerTimeouts } from '../core/connection-limits';
import { TransferDeadline } from '../core/transfer-deadline';

export interface ImapPeerLimits {
  timeouts: PeerTimeouts;
  /** Logged-in sessions per user and client address. */
  sessionsPerUserAddress: ConnectionCounter;
  maxSessionsPerUserAddress: number;
}

export function newImapPeerLimits(timeouts: PeerTimeouts, maxSessionsPerUserAddress: number): ImapPeerLimits {
  return { timeouts, sessionsPerUserAddress: new ConnectionCounter(), maxSessionsPerUserAddress };
}

export type SlowPhase = 'command' | 'auth';

export class ImapPeerGuard {
  private readonly deadline: TransferDeadline;
  private waiting = false;
  /** Bytes came while a command ran: the next command may have begun already. */
  private arrivedMeanwhile = false;
  private releaseLogin: (() => void) | null = null;

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
  admitLogin(userId: number, address: string): boolean {
    this.releaseLogin?.();
    this.releaseLogin = this.limits.sessionsPerUserAddress.acquire(
      `${userId}|${address}`,
      this.limits.maxSessionsPerUserAddress,
    );
    return this.releaseLogin !== null;
  }

  close(): void {
    this.deadline.end();
    this.releaseLogin?.();
    this.releaseLogin = null;
  }
}
