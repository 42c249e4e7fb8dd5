// Keeps a peer from holding a command, a SASL exchange, a literal or a message body open forever
// by trickling bytes: an idle timer is reset by each byte, this is not. A phase (e.g. "command")
// starts at its first byte and must end within `deadlineMs`; a bulk phase (minBytesPerSecond > 0)
// may last longer as long as every window of `deadlineMs` brings at least that rate.
export interface TransferRules {
  deadlineMs: number;
  /** 0: a hard deadline. */
  minBytesPerSecond: number;
}

/** Before the first phase: one shared object, not one per connection. */
const NO_RULES: TransferRules = { deadlineMs: 0, minBytesPerSecond: 0 };

/** The timer's callback, shared: a closure per deadline would be held for each idle connection. */
function fire(deadline: TransferDeadline): void {
  deadline.check();
}

export class TransferDeadline {
  private phase: string | null = null;
  private rules: TransferRules = NO_RULES;
  private windowStart = 0;
  private windowBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `onExpire` closes the connection (after checking the phase is not in fact over). */
  constructor(private readonly onExpire: (phase: string) => void) {}

  get current(): string | null {
    return this.phase;
  }

  /** Starts `phase` unless it is already running (a different phase replaces the current one). */
  begin(phase: string, rules: TransferRules): void {
    if (this.phase === phase) return;
    this.end();
    this.phase = phase;
    this.rules = rules;
    this.windowStart = Date.now();
    this.windowBytes = 0;
    this.arm();
  }

  received(bytes: number): void {
    if (this.phase) this.windowBytes += bytes;
  }

  end(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.phase = null;
  }

  private arm(): void {
    this.timer = setTimeout(fire, this.rules.deadlineMs, this);
    this.timer.unref();
  }

  /** The window is over: a bulk phase that kept up the rate goes on, anything else has expired. */
  check(): void {
    const phase = this.phase;
    if (!phase) return;
    const now = Date.now();
    const seconds = Math.max(now - this.windowStart, 1) / 1000;
    const fastEnough =
      this.rules.minBytesPerSecond > 0 && this.windowBytes / seconds >= this.rules.minBytesPerSecond;
    if (fastEnough) {
      this.windowStart = now;
      this.windowBytes = 0;
      this.arm();
      return;
    }
    this.end();
    this.onExpire(phase);
  }
}
