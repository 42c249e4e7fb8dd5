// What the cluster primary and its children say to each other over cluster IPC, besides the
// heartbeat (heartbeat.ts): a child is listening, and the shared connection counts
// (shared-counter.ts asks, counter-ledger.ts answers).

export interface ListeningMessage {
  type: 'postroom-listening';
  ports: Record<string, number>;
}

/** "May `key` of counter `name` have one more open, at most `max`?" Answered by id. */
export interface CountAcquire {
  type: 'postroom-count-acquire';
  id: number;
  name: string;
  key: string;
  max: number;
}

export interface CountAnswer {
  type: 'postroom-count-answer';
  id: number;
  granted: boolean;
  /** Open across every child after this request (including it when granted). */
  open: number;
}

/** One granted earlier is closed. Not answered: the channel keeps order, so no acquire overtakes it. */
export interface CountRelease {
  type: 'postroom-count-release';
  name: string;
  key: string;
}

export type ChildMessage = ListeningMessage | CountAcquire | CountRelease;

export function isMessage<T extends { type: string }>(value: unknown, type: T['type']): value is T {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
