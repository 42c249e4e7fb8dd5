// One budget for the message bytes all sessions are receiving at once (SMTP DATA, IMAP APPEND
// literals), POSTROOM_MAX_INFLIGHT_BYTES. A transfer charges its bytes as they arrive (SMTP) or
// before the client may send them (a synchronising IMAP literal) and gives them back when its
// message is stored or dropped. A transfer that would go over waits: SMTP stops reading (TCP
// backpressure), IMAP holds back its "+" continuation.
//
// Never a deadlock: the oldest transfer still holding bytes may always go on, and so may one that
// finds the budget empty, so one message larger than the whole budget still proceeds alone.

export const DEFAULT_MAX_INFLIGHT_BYTES = 256 * 1024 * 1024;

export function maxInflightBytesFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.POSTROOM_MAX_INFLIGHT_BYTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_INFLIGHT_BYTES;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`POSTROOM_MAX_INFLIGHT_BYTES must be a positive number of bytes, got "${raw}"`);
  return value;
}

interface Waiter {
  holder: InflightCharge;
  bytes: number;
  grant(): void;
}

export class InflightBudget {
  private used = 0;
  /** Holders in the order they first took bytes: the first may always go on. */
  private readonly holders = new Map<InflightCharge, number>();
  private readonly waiters: Waiter[] = [];
  private peakUsed = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Highest use seen since start (tests and the bench read it). */
  get peak(): number {
    return this.peakUsed;
  }

  /** A new transfer's account; give back what it holds with `release()`. */
  open(): InflightCharge {
    return new InflightCharge(this);
  }

  private mayTake(holder: InflightCharge, bytes: number): boolean {
    if (this.used === 0 || this.used + bytes <= this.limit) return true;
    const oldest = this.holders.keys().next().value;
    return oldest === holder;
  }

  private take(holder: InflightCharge, bytes: number): void {
    this.used += bytes;
    this.peakUsed = Math.max(this.peakUsed, this.used);
    this.holders.set(holder, (this.holders.get(holder) ?? 0) + bytes);
  }

  /** @internal (InflightCharge) */
  acquire(holder: InflightCharge, bytes: number): Promise<void> | null {
    // Waiters are served in order, so a stream of small charges cannot starve a large one.
    if (this.waiters.length === 0 && this.mayTake(holder, bytes)) {
      this.take(holder, bytes);
      return null;
    }
    if (this.holders.has(holder) && this.mayTake(holder, bytes) && this.isOldest(holder)) {
      this.take(holder, bytes);
      return null;
    }
    return new Promise((resolve) => {
      this.waiters.push({ holder, bytes, grant: resolve });
    });
  }

  private isOldest(holder: InflightCharge): boolean {
    return this.holders.keys().next().value === holder;
  }

  /** @internal (InflightCharge) */
  release(holder: InflightCharge): void {
    const held = this.holders.get(holder);
    if (held !== undefined) {
      this.used -= held;
      this.holders.delete(holder);
    }
    // A transfer given up while waiting is let go at once (it takes nothing more).
    const index = this.waiters.findIndex((waiter) => waiter.holder === holder);
    if (index >= 0) this.waiters.splice(index, 1)[0]!.grant();
    this.serveWaiters();
  }

  private serveWaiters(): void {
    for (let index = 0; index < this.waiters.length; ) {
      const waiter = this.waiters[index]!;
      const first = index === 0;
      // In order; only the oldest holder may jump the queue.
      if ((first || this.isOldest(waiter.holder)) && this.mayTake(waiter.holder, waiter.bytes)) {
        this.waiters.splice(index, 1);
        this.take(waiter.holder, waiter.bytes);
        waiter.grant();
        continue;
      }
      index++;
    }
  }
}

/** What one transfer holds of the budget. */
export class InflightCharge {
  private released = false;
  constructor(private readonly budget: InflightBudget) {}

  /** Resolves once `bytes` more may be taken in. */
  async charge(bytes: number): Promise<void> {
    if (this.released || bytes <= 0) return;
    const waiting = this.budget.acquire(this, bytes);
    if (waiting) await waiting;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.release(this);
  }
}

let shared: InflightBudget | undefined;

/** The process-wide budget, sized from POSTROOM_MAX_INFLIGHT_BYTES on first use. */
export function inflightBudget(): InflightBudget {
  shared ??= new InflightBudget(maxInflightBytesFromEnv());
  return shared;
}
