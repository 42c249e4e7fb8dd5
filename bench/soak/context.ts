// What every soak load generator shares: the worker's ports, the accounts, the counters the
// sampler reads, and the bounded loop that runs each generator until the deadline.
import { SoakFailure } from './line-client';
import { UnexpectedReply } from './protocols';

export interface WorkerPorts {
  smtp: number;
  submission: number;
  smtps: number;
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
}

export interface Account {
  address: string;
  password: string;
}

export interface SoakAccounts {
  /** Mail is delivered to these; IMAP sessions and IDLE clients read and expunge it. */
  imap: Account[];
  /** Mail is delivered to these too; POP3 sessions retrieve and delete it. */
  pop3: Account[];
  /** Target of the DATA-then-drop client: must never hold a message. */
  dataDropTarget: Account;
  /** Logs in to APPEND and vanish mid-literal: must never hold a message. */
  appendDropper: Account;
  /** Attacked with wrong passwords (gets throttled; nobody else logs in as it). */
  victim: Account;
}

/**
 * Loopback source addresses: the server sees each misbehaving client as its own address, as on
 * the internet, so the per-address login throttle and connection limit it earns do not also fall
 * on the good traffic from 127.0.0.1. The server itself is only ever 127.0.0.1.
 */
export const SOURCE = {
  good: '127.0.0.1',
  misbehaving: '127.0.0.2',
  passwordGuesser: '127.0.0.3',
  flooder: '127.0.0.4',
} as const;

/** Named monotonic counters; the sampler reads differences between two snapshots. */
export class Counters {
  private readonly values = new Map<string, number>();
  add(name: string, amount = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + amount);
  }
  get(name: string): number {
    return this.values.get(name) ?? 0;
  }
  snapshot(): Map<string, number> {
    return new Map(this.values);
  }
}

export interface SoakOptions {
  /** SMTP deliveries per second (one message per connection). */
  deliveryRate: number;
  imapSessionWorkers: number;
  idleClients: number;
  pop3SessionWorkers: number;
  /** Connections the flooder opens at once, once a minute. */
  floodSize: number;
  /** Longest wait for any one reply before it counts as a timeout. */
  replyTimeoutMs: number;
}

export interface SoakContext {
  ports: WorkerPorts;
  accounts: SoakAccounts;
  counters: Counters;
  options: SoakOptions;
  /** Date.now() at which every loop stops starting new work. */
  deadline: number;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function timeLeft(context: SoakContext): number {
  return context.deadline - Date.now();
}

function failureKind(error: unknown): string {
  if (error instanceof SoakFailure) return error.kind;
  return error instanceof UnexpectedReply ? 'rejected' : 'other';
}

/** Counts a failure under `prefix.timeout|closed|refused|rejected|other` and `prefix.errors`. */
export function countFailure(context: SoakContext, prefix: string, error: unknown): void {
  const kind = failureKind(error);
  context.counters.add(`${prefix}.errors`);
  context.counters.add(`${prefix}.${kind}`);
  lastFailure.set(`${prefix}.${kind}`, error instanceof Error ? error.message : String(error));
}

/** The last failure message per generator and kind, for the end-of-run report. */
export const lastFailure = new Map<string, string>();

/**
 * Runs `body` again and again, `intervalMs` apart (start to start), until the deadline or
 * `maxRuns`, with at most `concurrency` runs in flight: a stalled server makes runs pile up to
 * that bound and the rest are counted as `prefix.skipped`, never queued without end.
 */
export async function pacedLoop(
  context: SoakContext,
  prefix: string,
  pace: { intervalMs: number; concurrency: number },
  body: (run: number) => Promise<void>,
): Promise<void> {
  const maxRuns = Math.ceil(timeLeft(context) / pace.intervalMs) + 1;
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  for (let run = 0; run < maxRuns && timeLeft(context) > 0; run++) {
    if (inFlight.size >= pace.concurrency) context.counters.add(`${prefix}.skipped`);
    else {
      const done: Promise<void> = body(run)
        .catch((error: unknown) => countFailure(context, prefix, error))
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    await sleep(started + (run + 1) * pace.intervalMs - Date.now());
  }
  await Promise.all(inFlight);
}

/** Runs `body` back to back (with `pauseMs` between runs) until the deadline. */
export async function repeatLoop(
  context: SoakContext,
  prefix: string,
  pauseMs: number,
  body: (run: number) => Promise<void>,
): Promise<void> {
  const maxRuns = Math.ceil(timeLeft(context) / Math.max(1, pauseMs)) + 1;
  for (let run = 0; run < maxRuns && timeLeft(context) > 0; run++) {
    await body(run).catch((error: unknown) => countFailure(context, prefix, error));
    await sleep(Math.min(pauseMs, timeLeft(context)));
  }
}
