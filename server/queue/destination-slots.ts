// At most N attempts in flight to one destination (a recipient domain, or the smarthost), so a
// destination that stalls or drops connections ties up only its own slots, never the whole runner.
export class DestinationSlots {
  private readonly busy = new Map<string, number>();

  constructor(private readonly limit: () => number) {}

  /** Takes a slot if one is free; the caller must release it when the attempt ends. */
  tryAcquire(destination: string): boolean {
    const used = this.busy.get(destination) ?? 0;
    if (used >= this.limit()) return false;
    this.busy.set(destination, used + 1);
    return true;
  }

  free(destination: string): number {
    return Math.max(0, this.limit() - (this.busy.get(destination) ?? 0));
  }

  release(destination: string): void {
    const used = (this.busy.get(destination) ?? 1) - 1;
    if (used > 0) this.busy.set(destination, used);
    else this.busy.delete(destination);
  }
}
