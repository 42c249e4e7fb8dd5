// Queue ids: short, sortable by time, unique across worker processes (time + random).
import { uniqueHex } from '../core/unique-hex';

export function newQueueId(): string {
  return `${Date.now().toString(36)}${uniqueHex(5)}`.toUpperCase();
}
