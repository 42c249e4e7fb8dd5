// Open-connection counts that hold across the worker processes of a cluster (POSTROOM_WORKERS > 1):
// each child sees only its own sockets, so the limits per client address are counted by the
// cluster primary, asked over the cluster IPC channel (one small message each way per connection,
// tens of microseconds; counter-ledger.ts). The primary also forgets a dead child's connections at
// once, which a database counter could not do without leases. A process that runs alone counts in
// its own ledger. Either ledger also counts what other nodes on the database hold (node-counts.ts).
import cluster from 'node:cluster';
import type { Socket } from 'node:net';
import { ConnectionCounter } from '../core/connection-limits';
import { CounterLedger } from './counter-ledger';
import { type CountAcquire, type CountAnswer, type CountRelease, isMessage } from './messages';

export type Release = () => void;

/** A primary that does not answer (gone, or stopping) must not hold up a connection for longer. */
const ANSWER_TIMEOUT_MS = 2_000;

let nextId = 0;
const pending = new Map<number, (answer: CountAnswer | null) => void>();
let listening = false;

function clustered(): boolean {
  return cluster.isWorker && typeof process.send === 'function' && process.connected;
}

function ask(request: Omit<CountAcquire, 'type' | 'id'>): Promise<CountAnswer | null> {
  if (!listening) {
    listening = true;
    process.on('message', (message: unknown) => {
      if (!isMessage<CountAnswer>(message, 'postroom-count-answer')) return;
      pending.get(message.id)?.(message);
    });
    // The channel closed: nobody will answer what is still asked.
    process.on('disconnect', () => {
      for (const settle of pending.values()) settle(null);
    });
  }
  const id = ++nextId;
  return new Promise((resolve) => {
    const timer = setTimeout(() => settle(null), ANSWER_TIMEOUT_MS);
    const settle = (answer: CountAnswer | null) => {
      clearTimeout(timer);
      pending.delete(id);
      resolve(answer);
    };
    pending.set(id, settle);
    const message: CountAcquire = { type: 'postroom-count-acquire', id, ...request };
    process.send?.(message, undefined, {}, (error: Error | null) => {
      if (error) settle(null);
    });
  });
}

/** Holder id in the ledger of a process that runs alone. */
const SELF = 0;
let ownLedger: CounterLedger | undefined;

/** This process's ledger when it runs alone (not a cluster child): every counter's counts. */
export function processLedger(): CounterLedger {
  ownLedger ??= new CounterLedger();
  return ownLedger;
}

/** Open connections per key (a client address, or a user and address), named per counter. */
export class SharedConnectionCounter {
  /** Used alone, and when the primary cannot be asked (then this process's own count still holds). */
  private readonly local = new ConnectionCounter();

  constructor(private readonly name: string) {}

  /** Counts one more under `key` and gives back its release, or null when `max` are already open. */
  async acquire(key: string, max: number): Promise<Release | null> {
    if (!clustered()) return this.alone(key, max);
    const answer = await ask({ name: this.name, key, max });
    if (!answer) return this.local.acquire(key, max);
    if (!answer.granted) return null;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const message: CountRelease = { type: 'postroom-count-release', name: this.name, key };
      if (process.connected) process.send?.(message, undefined, {}, () => undefined);
    };
  }

  private alone(key: string, max: number): Release | null {
    const ledger = processLedger();
    const answer = ledger.acquire(SELF, { type: 'postroom-count-acquire', id: 0, name: this.name, key, max });
    if (!answer.granted) return null;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      ledger.release(SELF, { type: 'postroom-count-release', name: this.name, key });
    };
  }
}

/**
 * For listeners that own raw sockets (IMAP, POP3): counts `socket` under `key` until it closes.
 * False when `max` are open already. A socket that closes while the primary is asked is given
 * back as soon as the answer comes.
 */
export async function admitSocket(
  counter: SharedConnectionCounter,
  socket: Socket,
  key: string,
  max: number,
): Promise<boolean> {
  let closed = false;
  const onClose = () => {
    closed = true;
  };
  socket.once('close', onClose);
  socket.on('error', () => undefined); // a reset while the primary is asked must not go unhandled
  const release = await counter.acquire(key, max);
  socket.off('close', onClose);
  if (!release) return false;
  if (closed || socket.destroyed) release();
  else socket.once('close', release);
  return true;
}
