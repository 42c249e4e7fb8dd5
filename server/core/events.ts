// The event log: every session and decision, for the console's Logs page and a message's journey.
import { db } from './db';
import { logger } from './logger';

export interface EventInput {
  protocol: 'smtp' | 'imap' | 'pop3' | 'web' | 'queue' | 'auth' | 'cli' | 'system';
  action: string;
  result: string;
  clientIp?: string | null;
  user?: string | null;
  queueId?: string | null;
  detail?: string | Record<string, unknown> | null;
}

export async function recordEvent(event: EventInput): Promise<void> {
  const detail = typeof event.detail === 'object' && event.detail !== null ? JSON.stringify(event.detail) : (event.detail ?? null);
  logger.info(`${event.protocol} ${event.action} ${event.result}`, { ...event, detail: detail ?? undefined });
  try {
    await db().event.create({
      data: {
        protocol: event.protocol,
        action: event.action.slice(0, 32),
        result: event.result.slice(0, 32),
        clientIp: event.clientIp ?? null,
        user: event.user ?? null,
        queueId: event.queueId ?? null,
        detail,
      },
    });
  } catch (error) {
    // The event log must never take a mail session down with it.
    logger.error('could not record event', { error: String(error) });
  }
}
