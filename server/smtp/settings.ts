// Limits and switches of the SMTP listeners, from the environment with defaults; overrides made
// in the console (settings-cache) win over the environment, and the options of startSmtpServers
// win over both (tests use small values).
import { settingOverrides } from '../domain/settings-cache';
import type { SettingOverrides } from '../domain/settings';
function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

export interface SmtpSettings {
  /** Largest message in bytes, announced in EHLO SIZE (RFC 1870). */
  maxMessageBytes: number;
  maxRecipients: number;
  /** Longest line of message data, without CRLF (RFC 5322 2.1.1: 998). */
  maxLineLength: number;
  /** Idle time before the connection is dropped (RFC 5321 4.5.3.2 suggests 5 minutes). */
  idleTimeoutMs: number;
  maxConnectionsPerIp: number;
  /** NOOP/RSET/VRFY/HELO... allowed before each MAIL, then 421 (Postfix's junk command limit). */
  maxCommandsBeforeMail: number;
  /** MAIL transactions that got no accepted recipient, per connection, then 421 (MAIL+RSET loops). */
  maxTransactionsWithoutRecipient: number;
  /** Wait before the greeting for an address not yet seen to wait for it (greet-pause.ts). */
  greetPauseMs: number;
  /** How long an address that waited politely is greeted without the pause. */
  greetPassSeconds: number;
  /** Reject mail whose DMARC policy is reject and that fails DMARC (else it goes to Junk). */
  honourDmarcReject: boolean;
  /** Run SPF/DKIM/DMARC/ARC on mail from unauthenticated clients. */
  checkAuthentication: boolean;
  /** DNS blocklist zones checked for MX clients (POSTROOM_DNSBL_ZONES, comma separated). */
  dnsblZones: string[];
  /** clamd socket path or host:port (POSTROOM_CLAMD); unset = no virus scan. */
  clamd: string | null;
  /** rspamd base URL (POSTROOM_RSPAMD_URL, e.g. http://127.0.0.1:11333); unset = no spam scan. */
  rspamdUrl: string | null;
  /** Reject at or above this rspamd score, whatever rspamd's own action (POSTROOM_RSPAMD_REJECT_SCORE). */
  rspamdRejectScore: number | undefined;
}

/** The console's overrides in SmtpSettings terms. */
function fromConsole(stored: SettingOverrides): Partial<SmtpSettings> {
  const result: Partial<SmtpSettings> = {};
  if (stored.maxMessageBytes !== undefined) result.maxMessageBytes = stored.maxMessageBytes;
  if (stored.maxRecipients !== undefined) result.maxRecipients = stored.maxRecipients;
  if (stored.idleTimeoutSeconds !== undefined) result.idleTimeoutMs = stored.idleTimeoutSeconds * 1000;
  if (stored.maxConnectionsPerIp !== undefined) result.maxConnectionsPerIp = stored.maxConnectionsPerIp;
  if (stored.dnsblZones !== undefined) result.dnsblZones = stored.dnsblZones;
  if (stored.clamd !== undefined) result.clamd = stored.clamd;
  if (stored.rspamdUrl !== undefined) result.rspamdUrl = stored.rspamdUrl;
  if (stored.rspamdRejectScore !== undefined) result.rspamdRejectScore = stored.rspamdRejectScore;
  return result;
}

/** Environment defaults only, without the console's overrides (shown as "default" in the console). */
export function smtpEnvSettings(): SmtpSettings {
  return {
    maxMessageBytes: numberFromEnv('POSTROOM_SMTP_MAX_SIZE', 50 * 1024 * 1024),
    maxRecipients: numberFromEnv('POSTROOM_SMTP_MAX_RECIPIENTS', 100),
    maxLineLength: numberFromEnv('POSTROOM_SMTP_MAX_LINE', 998),
    idleTimeoutMs: numberFromEnv('POSTROOM_SMTP_TIMEOUT', 300) * 1000,
    maxConnectionsPerIp: numberFromEnv('POSTROOM_SMTP_MAX_CONN_PER_IP', 50),
    maxCommandsBeforeMail: numberFromEnv('POSTROOM_SMTP_MAX_JUNK_COMMANDS', 50),
    maxTransactionsWithoutRecipient: numberFromEnv('POSTROOM_SMTP_MAX_EMPTY_TRANSACTIONS', 20),
    greetPauseMs: numberFromEnv('POSTROOM_SMTP_GREET_PAUSE_MS', 100),
    greetPassSeconds: numberFromEnv('POSTROOM_SMTP_GREET_PASS_SECONDS', 86_400),
    honourDmarcReject: process.env.POSTROOM_DMARC_REJECT !== 'off',
    checkAuthentication: process.env.POSTROOM_MAILAUTH !== 'off',
    dnsblZones: (process.env.POSTROOM_DNSBL_ZONES ?? '')
      .split(',')
      .map((zone) => zone.trim())
      .filter(Boolean),
    clamd: process.env.POSTROOM_CLAMD || null,
    rspamdUrl: process.env.POSTROOM_RSPAMD_URL || null,
    rspamdRejectScore: process.env.POSTROOM_RSPAMD_REJECT_SCORE
      ? Number(process.env.POSTROOM_RSPAMD_REJECT_SCORE)
      : undefined,
  };
}

export function smtpSettings(overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return { ...smtpEnvSettings(), ...fromConsole(settingOverrides()), ...overrides };
}
