// The event log: every session and decision, for the console's Logs page and a message's journey.
import { db, onCloseDb } from './db';
import { logger } from './logger';
import { observeEvent } from '../ops/event-metrics';
import { rawDb } from '../store/raw';

export interface EventInput {
  protocol: 'smtp' | 'imap' | 'pop3' | 'sieve' | 'web' | 'queue' | 'auth' | 'cli' | 'system';
  action: string;
  result: string;
  clientIp?: string | null;
  user?: string | null;
  queueId?: string | null;
  detail?: string | Record<string, unknown> | null;
}

export async function recordEvent(event: EventInput): Promise<void> {
  const data = eventRow(event);
  logger.info(`${event.protocol} ${event.action} ${event.result}`, {
    ...event,
    detail: data.detail ?? undefined,
  });
  observeEvent(event);
  // One plain INSERT (store/raw.ts) while the raw connection is open: Prisma's create was a
  // transaction of four statements on MariaDB (every login writes one).
  const write = closing ? db().event.create({ data }) : insertEvent({ ...data, time: new Date() });
  writesInFlight.add(write);
  onCloseDb(settleEventWrites);
  try {
    await write;
  } catch (error) {
    // The event log must never take a mail session down with it.
    logger.error('could not record event', { error: String(error) });
  } finally {
    writesInFlight.delete(write);
  }
}

// Callers may fire an event and go on (`void recordEvent(...)`): closing the database first would
// cut that write off, and the client would reconnect for it and keep the process alive (the CLI's
// `queue retry` hung on MariaDB). closeDb() waits for these, and writes the buffered ones.
const writesInFlight = new Set<Promise<unknown>>();

async function settleEventWrites(): Promise<void> {
  // The store's raw connection may already be closed (closers run in the order they registered):
  // what is left goes through Prisma's, which closes last.
  closing = true;
  try {
    await flushEvents();
  } finally {
    closing = false;
  }
  await Promise.allSettled([...writesInFlight]);
}

let closing = false;

// Batched writing for hot paths (the SMTP conversation): one INSERT for many events instead of a
// commit (and an fsync) per event. At most the last ~100 ms of events can be lost in a crash;
// the mail itself is durable either way. Added by the SMTP owner (issue 3).
// Each keeps the moment it happened: stamped at insert, a buffered connect would sort after the
// delivery that was written straight away (the journey orders by time, then id).
/** Rows as written, detail already serialised (once: the log line above uses the same text). */
const pendingEvents: (ReturnType<typeof eventRow> & { time: Date })[] = [];
let flushTimer: NodeJS.Timeout | undefined;
let flushing: Promise<void> = Promise.resolve();

function eventRow(event: EventInput & { time?: Date }) {
  const detail =
    typeof event.detail === 'object' && event.detail !== null
      ? JSON.stringify(event.detail)
      : (event.detail ?? null);
  return {
    ...(event.time ? { time: event.time } : {}),
    protocol: event.protocol,
    action: event.action.slice(0, 32),
    result: event.result.slice(0, 32),
    clientIp: event.clientIp ?? null,
    user: event.user ?? null,
    queueId: event.queueId ?? null,
    detail,
  };
}

export function recordEventSoon(event: EventInput): void {
  const row = eventRow(event);
  logger.info(`${event.protocol} ${event.action} ${event.result}`, {
    ...event,
    detail: row.detail ?? undefined,
  });
  observeEvent(event, true);
  pendingEvents.push({ ...row, time: new Date() });
  onCloseDb(settleEventWrites);
  if (pendingEvents.length >= 500) void flushEvents();
  else if (!flushTimer) {
    flushTimer = setTimeout(() => void flushEvents(), 100);
    flushTimer.unref();
  }
}

/** Writes the buffered events now (callers that read the log right away, and shutdown). */
export function flushEvents(): Promise<void> {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  const batch = pendingEvents.splice(0);
  flushing = flushing.then(async () => {
    if (batch.length === 0) return;
    try {
      if (closing) await db().event.createMany({ data: batch });
      else await insertEvents(batch);
    } catch (error) {
      logger.error('could not record events', { error: String(error), count: batch.length });
    }
  });
  return flushing;
}

const EVENT_COLUMNS = '`time`, protocol, client_ip, `user`, action, result, queue_id, detail';
const EVENTS_PER_INSERT = 100;

/** One event row's values, in EVENT_COLUMNS order. */
function eventValues(raw: ReturnType<typeof rawDb>, row: (typeof pendingEvents)[number]) {
  return [
    raw.date(row.time),
    row.protocol,
    row.clientIp,
    row.user,
    row.action,
    row.result,
    row.queueId,
    row.detail,
  ];
}

function insertEvent(row: (typeof pendingEvents)[number]): Promise<unknown> {
  const raw = rawDb();
  return raw.write(
    `INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    eventValues(raw, row),
    'event',
  );
}

/**
 * The buffered rows in plain multi-row INSERTs, one transaction: six or so events per SMTP message
 * made Prisma's createMany (query compilation, and on MariaDB a ping, prepare and close each time)
 * a visible share of a delivery's CPU.
 */
async function insertEvents(batch: typeof pendingEvents): Promise<void> {
  const raw = rawDb();
  await raw.transaction(async (tx) => {
    for (let start = 0; start < batch.length; start += EVENTS_PER_INSERT) {
      const chunk = batch.slice(start, start + EVENTS_PER_INSERT);
      await tx.run(
        `INSERT INTO events (${EVENT_COLUMNS}) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((row) => eventValues(raw, row)),
      );
    }
  }, 'events');
}
