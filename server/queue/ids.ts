// Queue ids: short, sortable by time, unique across worker processes (time + random).
import { randomBytes } from 'node:crypto';

export function newQueueId(): string {
  return `${Date.now().toString(36)}${randomBytes(5).toString('hex')}`.toUpperCase();
}
