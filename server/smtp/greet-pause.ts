// The pause before the greeting that catches early talkers (clients that send before the 220,
// RFC 5321 4.3.1; mostly spam bots, which smtp-server answers "421 You talk too soon"). smtp-server
// waits 100 ms on every connection, which caps a session that delivers one message and leaves:
// 20 parallel senders could not pass ~160 messages a second. As Postfix's postscreen does
// (postscreen_greet_wait, postscreen_greet_ttl), a client address that waited politely once is
// remembered and greeted at once for a while; a new address still waits.

/** The parts of smtp-server's SMTPConnection the greeting goes through (not in its types). */
export interface GreetingInternals {
  remoteAddress: string;
  _closing: boolean;
  _closed: boolean;
  _setListeners(callback: () => void): void;
  connectionReady(): void;
}

export interface GreetPauseSettings {
  /** Wait before the greeting for a client address not seen to wait politely (0: never). */
  greetPauseMs: number;
  /** How long a polite address is greeted without the pause (0: always pause). */
  greetPassSeconds: number;
}

/** Addresses remembered at most; the oldest passes go first beyond this. */
const MAX_REMEMBERED = 50_000;

export class GreetPasses {
  /** Address -> when its pass ends (ms); Map order is insertion order, oldest first. */
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  has(address: string): boolean {
    const end = this.until.get(address);
    if (end === undefined) return false;
    if (end > this.now()) return true;
    this.until.delete(address);
    return false;
  }

  remember(address: string, seconds: number): void {
    if (seconds <= 0) return;
    this.until.delete(address); // re-inserted at the end: the newest pass
    this.until.set(address, this.now() + seconds * 1000);
    if (this.until.size > MAX_REMEMBERED) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
  }
}

/** Shared by every listener of the process: a pass earned on one port counts on the others. */
const passes = new GreetPasses();

/**
 * Replaces SMTPConnection.init(): the same listeners, then the greeting after the pause, or at
 * once for an address with a pass. Data that arrives before the greeting is still refused.
 */
export function startGreeting(connection: GreetingInternals, settings: GreetPauseSettings): void {
  const address = connection.remoteAddress;
  connection._setListeners(() => {
    if (settings.greetPauseMs <= 0 || passes.has(address)) return connection.connectionReady();
    const timer = setTimeout(() => {
      // Still open after the pause: it did not talk too soon (that answer closes the connection).
      if (!connection._closing && !connection._closed) passes.remember(address, settings.greetPassSeconds);
      connection.connectionReady();
    }, settings.greetPauseMs);
    timer.unref();
  });
}
