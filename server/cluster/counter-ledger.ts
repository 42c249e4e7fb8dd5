// One node's open-connection counts: one total per counter and key, and what each holder (a
// cluster child, or 0 for a process that runs alone) holds, so a child that dies gives its
// connections back at once (its sockets died with it). Kept by the cluster primary for every
// child, or by a lone worker for itself (shared-counter.ts). Counts open on other nodes come in
// through `attach` (node-counts.ts); plain maps: nothing here may block.
import type { CountAcquire, CountAnswer, CountRelease } from './messages';

/** How a ledger hears of other nodes (node-counts.ts). */
export interface LedgerPeers {
  /** Open on other nodes under `slot`, as last read from the database (0 when unknown). */
  elsewhere(slot: string): number;
  /** This node's counts changed: publish them soon. */
  changed(): void;
}

/** One counter and key as one map key. */
export const slotOf = (name: string, key: string) => `${name}\u0000${key}`;

export function splitSlot(slot: string): { name: string; key: string } {
  const at = slot.indexOf('\u0000');
  return { name: slot.slice(0, at), key: slot.slice(at + 1) };
}

export class CounterLedger {
  private readonly totals = new Map<string, number>();
  private readonly byChild = new Map<number, Map<string, number>>();
  private peers: LedgerPeers | undefined;

  attach(peers: LedgerPeers | undefined): void {
    this.peers = peers;
  }

  acquire(child: number, request: CountAcquire): CountAnswer {
    const slot = slotOf(request.name, request.key);
    const open = (this.totals.get(slot) ?? 0) + (this.peers?.elsewhere(slot) ?? 0);
    const granted = open < request.max;
    if (granted) {
      this.totals.set(slot, (this.totals.get(slot) ?? 0) + 1);
      const held = this.heldBy(child);
      held.set(slot, (held.get(slot) ?? 0) + 1);
      this.peers?.changed();
    }
    return { type: 'postroom-count-answer', id: request.id, granted, open: granted ? open + 1 : open };
  }

  release(child: number, message: CountRelease): void {
    const slot = slotOf(message.name, message.key);
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

  /** Open on this node (every child) under one counter and key. */
  open(name: string, key: string): number {
    return this.totals.get(slotOf(name, key)) ?? 0;
  }

  /** This node's non-zero totals by slot (live: copy before keeping it). */
  snapshot(): ReadonlyMap<string, number> {
    return this.totals;
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
    this.peers?.changed();
  }
}
