// Outbound queue settings from the environment; the console's overrides (settings-cache) win
// over it, and tests override both through startQueueRunner.
import { config } from '../core/config';
import { settingOverrides } from '../domain/settings-cache';
import { phaseTimeouts, type PhaseTimeouts } from './timeouts';

export interface RelayHost {
  host: string;
  port: number;
  user?: string;
  password?: string;
}

export interface QueueSettings {
  /** The SMTP port of remote MX hosts (25; tests point it at a local sink). */
  remotePort: number;
  /** Give up and bounce after this long (RFC 5321 4.5.4.1: at least 4-5 days). */
  lifetimeMs: number;
  /** Tell the sender once that delivery is delayed after this long. */
  delayNoticeMs: number;
  /** First retry delay; each further one doubles, up to maxRetryMs. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** How often the runner looks for due entries. */
  pollMs: number;
  /** A claim lapses after this long, so a crashed worker's entries go back to the queue. */
  claimMs: number;
  batchSize: number;
  relayHost: RelayHost | null;
  /** Verify remote certificates (opportunistic TLS does not, RFC 7435). */
  requireValidCertificates: boolean;
  /** Deadlines of the phases of an outbound SMTP session (RFC 5321 4.5.3.2). */
  timeouts: PhaseTimeouts;
  /** Ports for particular MX hosts (lower-case names), ahead of remotePort. */
  hostPorts: Record<string, number>;
  /** Attempts in flight at once in one runner. */
  concurrency: number;
  /** Attempts in flight at once to one destination domain (or the smarthost). */
  destinationConcurrency: number;
  /** When an entry's destination has no free slot it is looked at again after this long. */
  busyRetryMs: number;
}

function count(name: string, fallback: number): number {
  const raw = Number(process.env[name]);
  return Number.isInteger(raw) && raw > 0 ? raw : fallback;
}

/** POSTROOM_OUTBOUND_HOST_PORTS: `mx.example.org=2525,relay.test=2526`. */
export function parseHostPorts(text: string | undefined): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const item of (text ?? '').split(',')) {
    if (!item.trim()) continue;
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(item);
    if (!match || Number(match[2]) > 65535)
      throw new Error(`POSTROOM_OUTBOUND_HOST_PORTS item "${item}" is not host=port`);
    ports[match[1]!.toLowerCase()] = Number(match[2]);
  }
  return ports;
}

function hours(name: string, fallback: number): number {
  const raw = Number(process.env[name]);
  return (Number.isFinite(raw) && raw > 0 ? raw : fallback) * 3_600_000;
}

/** POSTROOM_RELAYHOST: `host`, `host:port` or `[host]:port`; credentials in _USER / _PASSWORD. */
export function parseRelayHost(text: string | undefined): RelayHost | null {
  if (!text) return null;
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`POSTROOM_RELAYHOST "${text}" is not host[:port]`);
  return {
    host: match[1]!,
    port: match[2] ? Number(match[2]) : 587,
    user: process.env.POSTROOM_RELAYHOST_USER || undefined,
    password: process.env.POSTROOM_RELAYHOST_PASSWORD || undefined,
  };
}

/** Environment defaults only, without the console's overrides. */
export function queueEnvSettings(): QueueSettings {
  return {
    remotePort: Number(process.env.POSTROOM_OUTBOUND_PORT) || 25,
    lifetimeMs: hours('POSTROOM_QUEUE_LIFETIME_HOURS', 120),
    delayNoticeMs: hours('POSTROOM_QUEUE_DELAY_NOTICE_HOURS', 4),
    firstRetryMs: 5 * 60_000,
    maxRetryMs: 2 * 3_600_000,
    pollMs: 5_000,
    claimMs: 10 * 60_000,
    batchSize: 20,
    relayHost: parseRelayHost(config().relayHost),
    requireValidCertificates: false,
    timeouts: phaseTimeouts(),
    hostPorts: parseHostPorts(process.env.POSTROOM_OUTBOUND_HOST_PORTS),
    concurrency: count('POSTROOM_QUEUE_CONCURRENCY', 20),
    destinationConcurrency: count('POSTROOM_QUEUE_DESTINATION_CONCURRENCY', 4),
    busyRetryMs: 30_000,
  };
}

export function queueSettings(overrides: Partial<QueueSettings> = {}): QueueSettings {
  const stored = settingOverrides();
  const fromConsole: Partial<QueueSettings> = {};
  if (stored.queueLifetimeHours !== undefined) fromConsole.lifetimeMs = stored.queueLifetimeHours * 3_600_000;
  if (stored.delayNoticeHours !== undefined) fromConsole.delayNoticeMs = stored.delayNoticeHours * 3_600_000;
  return { ...queueEnvSettings(), ...fromConsole, ...overrides };
}

/** Exponential backoff: first, 2x, 4x ... capped. */
export function retryDelay(settings: QueueSettings, attempts: number): number {
  return Math.min(settings.firstRetryMs * 2 ** Math.max(0, attempts - 1), settings.maxRetryMs);
}
