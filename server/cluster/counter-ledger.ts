// The cluster primary's side of the shared connection counts: one total per counter and key across
// every child, and what each child holds, so a child that dies gives its connections back at once
// (its sockets died with it). Plain maps: the primary does nothing else that could block.
import type { CountAcquire, CountAnswer, CountRelease } from './messages';

export class CounterLedger {
  private readonly totals = new Map<string, number>();
  private readonly byChild = new Map<number, Map<string, number>>();

  acquire(child: number, request: CountAcquire): CountAnswer {
    const slot = `${request.name}\u0000${request.key}`;
    const open = this.totals.get(slot) ?? 0;
    const granted = open < request.max;
    if (granted) {
      this.totals.set(slot, open + 1);
      const held = this.heldBy(child);
      held.set(slot, (held.get(slot) ?? 0) + 1);
    }
    return { type: 'postroom-count-answer', id: request.id, granted, open: granted ? open + 1 : open };
  }

  release(child: number, message: CountRelease): void {
    const slot = `${message.name}\u0000${message.key}`;
    const held = this.byChild.get(child);
    const count = held?.get(slot) ?? 0;
    if (!held || count === 0) return; // not held by this child: nothing to give back
    if (count === 1) held.delete(slot);
    else held.set(slot, count - 1);
    this.subtract(slot, 1);
  }

  /** Everything `child` held, as when it exits. */
  releaseAll(child: number): void {
    const held = this.byChild.get(child);
    this.byChild.delete(child);
    for (const [slot, count] of held ?? []) this.subtract(slot, count);
  }

  open(name: string, key: string): number {
    return this.totals.get(`${name}\u0000${key}`) ?? 0;
  }

  private heldBy(child: number): Map<string, number> {
    let held = this.byChild.get(child);
    if (!held) this.byChild.set(child, (held = new Map()));
    return held;
  }

  private subtract(slot: string, count: number): void {
    const left = (this.totals.get(slot) ?? 0) - count;
    if (left > 0) this.totals.set(slot, left);
    else this.totals.delete(slot);
  }
}
