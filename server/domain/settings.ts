// Run-time setting overrides, changed from the console's Settings page. The environment keeps the
// defaults; a row in `settings` (key "override.<name>", JSON value) wins over it, and removing
// the row returns to the environment's value. The worker reads them through settings-cache.ts.
import { db, writeTransaction } from '../core/db';
import { audit, type Actor } from './audit';
import { FieldError, FieldErrors } from './errors';
import { requireSuper } from './rights';

export interface SettingOverrides {
  maxMessageBytes?: number;
  maxRecipients?: number;
  idleTimeoutSeconds?: number;
  maxConnectionsPerIp?: number;
  /** An empty list turns DNSBL checks off even when the environment names zones. */
  dnsblZones?: string[];
  /** null = scanner off, whatever the environment says. */
  clamd?: string | null;
  rspamdUrl?: string | null;
  rspamdRejectScore?: number;
  queueLifetimeHours?: number;
  delayNoticeHours?: number;
}

export type SettingName = keyof SettingOverrides;

export const SETTING_NAMES: readonly SettingName[] = [
  'maxMessageBytes',
  'maxRecipients',
  'idleTimeoutSeconds',
  'maxConnectionsPerIp',
  'dnsblZones',
  'clamd',
  'rspamdUrl',
  'rspamdRejectScore',
  'queueLifetimeHours',
  'delayNoticeHours',
];

const KEY_PREFIX = 'override.';
const OFF_WORDS = new Set(['off', 'none']);

function wholeNumber(field: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new FieldError(field, 'enter a whole number');
  const value = Number(text);
  if (value < min || value > max) throw new FieldError(field, `must be between ${min} and ${max}`);
  return value;
}

function decimal(field: string, text: string, min: number, max: number): number {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new FieldError(field, 'enter a number');
  const value = Number(text);
  if (value < min || value > max) throw new FieldError(field, `must be between ${min} and ${max}`);
  return value;
}

// RFC 1035 2.3.1 labels; a DNSBL zone is a plain DNS name such as zen.spamhaus.org.
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function zones(field: string, text: string): string[] {
  if (OFF_WORDS.has(text.toLowerCase())) return [];
  const list = text
    .split(/[\s,]+/)
    .map((zone) => zone.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean);
  for (const zone of list)
    if (!DNS_NAME.test(zone)) throw new FieldError(field, `"${zone}" is not a DNS zone name`);
  if (list.length > 20) throw new FieldError(field, 'at most 20 zones');
  return [...new Set(list)];
}

/** clamd is a Unix socket path or host:port (clamd.conf LocalSocket / TCPSocket). */
function clamdAddress(field: string, text: string): string | null {
  if (OFF_WORDS.has(text.toLowerCase())) return null;
  if (text.startsWith('/')) {
    if (/\s/.test(text)) throw new FieldError(field, 'a socket path has no spaces');
    return text;
  }
  const match = /^\[?([a-z0-9.:-]+?)\]?:(\d{1,5})$/i.exec(text);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535)
    throw new FieldError(field, 'enter a socket path (/run/clamav/clamd.ctl) or host:port (127.0.0.1:3310)');
  return text;
}

function httpUrl(field: string, text: string): string | null {
  if (OFF_WORDS.has(text.toLowerCase())) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FieldError(field, 'enter a URL such as http://127.0.0.1:11333');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FieldError(field, 'must be an http:// or https:// URL');
  return text.replace(/\/+$/, '');
}

/** Parses one field as typed in the console; throws FieldError naming that field. */
export function parseSetting(name: SettingName, raw: string): SettingOverrides[SettingName] {
  const text = raw.trim();
  switch (name) {
    // 1 KiB .. 1 GiB: below that no real message fits, above it a blob no longer fits memory.
    case 'maxMessageBytes':
      return wholeNumber(name, text, 1024, 1024 ** 3);
    case 'maxRecipients':
      return wholeNumber(name, text, 1, 10_000);
    // RFC 5321 4.5.3.2 asks for 5 minutes; allow shorter for busy servers, never zero.
    case 'idleTimeoutSeconds':
      return wholeNumber(name, text, 10, 3600);
    case 'maxConnectionsPerIp':
      return wholeNumber(name, text, 1, 10_000);
    case 'dnsblZones':
      return zones(name, text);
    case 'clamd':
      return clamdAddress(name, text);
    case 'rspamdUrl':
      return httpUrl(name, text);
    case 'rspamdRejectScore':
      return decimal(name, text, -1000, 1000);
    // RFC 5321 4.5.4.1: give up after at least 4-5 days; allow less, but at most 30 days.
    case 'queueLifetimeHours':
      return wholeNumber(name, text, 1, 720);
    case 'delayNoticeHours':
      return wholeNumber(name, text, 1, 720);
  }
}

/** The console's form: a field left empty clears its override; fields not in the form stay. */
export function parseSettingsForm(input: Partial<Record<SettingName, string>>): {
  set: SettingOverrides;
  clear: SettingName[];
} {
  const set: Record<string, unknown> = {};
  const clear: SettingName[] = [];
  // Every bad field is reported at once, not only the first.
  const problems: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const raw = input[name];
    if (raw === undefined) continue;
    if (raw.trim() === '') {
      clear.push(name);
      continue;
    }
    try {
      set[name] = parseSetting(name, raw);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      problems[error.field] = error.message.replace(`${error.field}: `, '');
    }
  }
  if (Object.keys(problems).length > 0) throw new FieldErrors(problems);
  return { set: set as SettingOverrides, clear };
}

function decode(name: SettingName, json: string): unknown {
  const value: unknown = JSON.parse(json);
  const ok =
    name === 'dnsblZones'
      ? Array.isArray(value) && value.every((zone) => typeof zone === 'string')
      : name === 'clamd' || name === 'rspamdUrl'
        ? value === null || typeof value === 'string'
        : typeof value === 'number' && Number.isFinite(value);
  if (!ok) throw new Error(`bad stored value for ${name}`);
  return value;
}

/** The stored overrides; a row that does not decode is skipped (the env default applies). */
export async function loadSettingOverrides(): Promise<SettingOverrides> {
  const rows = await db().setting.findMany({ where: { key: { startsWith: KEY_PREFIX } } });
  const result: Record<string, unknown> = {};
  for (const row of rows) {
    const name = row.key.slice(KEY_PREFIX.length) as SettingName;
    if (!SETTING_NAMES.includes(name)) continue;
    try {
      result[name] = decode(name, row.value);
    } catch {
      // ignored: a hand-edited row must not stop the worker
    }
  }
  return result as SettingOverrides;
}

/** Validates the whole form first, then writes every change and one audit row in one transaction. */
export async function saveSettingOverrides(
  input: Partial<Record<SettingName, string>>,
  actor: Actor,
): Promise<SettingOverrides> {
  requireSuper(actor);
  const { set, clear } = parseSettingsForm(input);
  const before = await loadSettingOverrides();
  const after: SettingOverrides = { ...before, ...set };
  for (const name of clear) delete after[name];
  const lifetime = after.queueLifetimeHours;
  const notice = after.delayNoticeHours;
  if (lifetime !== undefined && notice !== undefined && notice >= lifetime) {
    throw new FieldError('delayNoticeHours', 'must be shorter than the time before giving up');
  }
  const changed = SETTING_NAMES.filter(
    (name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]),
  );
  if (changed.length === 0) return after;
  await writeTransaction('settings save', async (tx) => {
    for (const name of changed) {
      const key = KEY_PREFIX + name;
      if (after[name] === undefined) await tx.setting.deleteMany({ where: { key } });
      else {
        const value = JSON.stringify(after[name]);
        await tx.setting.upsert({ where: { key }, create: { key, value }, update: { value } });
      }
    }
    const pick = (from: SettingOverrides) =>
      Object.fromEntries(changed.map((name) => [name, from[name] ?? null]));
    await audit(tx, actor, 'settings.update', 'settings', changed.join(','), pick(before), pick(after));
  });
  return after;
}
