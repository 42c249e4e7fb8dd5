// App passwords: random passwords made by the server for one mail app each, limited to chosen
// protocols, revocable, and the only passwords mail protocols accept once two-factor sign-in is on.
// They carry about 100 random bits, so a keyed hash (HMAC-SHA256 under a key derived from the
// server secret) is as safe as argon2 against guessing and lets a login find its row by index
// instead of trying a slow hash per app password.
import { randomInt } from 'node:crypto';
import { db } from '../core/db';
import { FieldError } from '../domain/errors';
import { parseStoredDate, rawDb } from '../store/raw';
import { keyedHash } from './keyed-hash';

export const APP_PASSWORD_PROTOCOLS = ['imap', 'pop3', 'smtp'] as const;
export type AppPasswordProtocol = (typeof APP_PASSWORD_PROTOCOLS)[number];

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i to misread
const GROUPS = 5;
const GROUP_LENGTH = 4;
/** "Last used" is written at most this often, so a client polling every minute costs little. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface AppPasswordView {
  id: number;
  name: string;
  protocols: AppPasswordProtocol[];
  createdAt: Date;
  lastUsedAt: Date | null;
  lastUsedIp: string;
}

function generate(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** Spaces and case do not matter, as people copy them from the page. */
function canonical(password: string): string {
  return password.trim().toLowerCase().replace(/\s+/g, '-');
}

function hashOf(password: string): Promise<string> {
  return keyedHash('app-password', canonical(password));
}

function parseProtocols(stored: string): AppPasswordProtocol[] {
  return stored
    .split(',')
    .filter((p): p is AppPasswordProtocol => (APP_PASSWORD_PROTOCOLS as readonly string[]).includes(p));
}

/** Makes an app password; the plain text is returned this once and never stored. */
export async function createAppPassword(
  userId: number,
  name: string,
  protocols: readonly string[],
): Promise<{ id: number; password: string }> {
  const label = name.trim();
  if (!label) throw new FieldError('name', 'is required');
  if (label.length > 64) throw new FieldError('name', 'must be at most 64 characters');
  const chosen = APP_PASSWORD_PROTOCOLS.filter((p) => protocols.includes(p));
  if (chosen.length === 0) throw new FieldError('protocols', 'choose at least one of IMAP, POP3 and SMTP');
  const password = generate();
  const row = await db().appPassword.create({
    data: { userId, name: label, hash: await hashOf(password), protocols: chosen.join(',') },
  });
  return { id: row.id, password };
}

export async function listAppPasswords(userId: number): Promise<AppPasswordView[]> {
  const rows = await db().appPassword.findMany({ where: { userId }, orderBy: { createdAt: 'desc' } });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    protocols: parseProtocols(row.protocols),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    lastUsedIp: row.lastUsedIp,
  }));
}

/** Removes one of the user's app passwords (false for an unknown id or someone else's). */
export async function revokeAppPassword(userId: number, id: number): Promise<boolean> {
  const result = await db().appPassword.deleteMany({ where: { id, userId } });
  return result.count > 0;
}

export type AppPasswordMatch = 'ok' | 'wrong-protocol' | 'none';

/**
 * Whether `password` is one of the user's app passwords allowed for `protocol`; a match records
 * its use (time and client address).
 */
export async function matchAppPassword(
  userId: number,
  password: string,
  protocol: AppPasswordProtocol,
  clientIp: string | undefined,
): Promise<AppPasswordMatch> {
  // Plain SQL (store/raw.ts): this read is on every mail login of an account with app passwords.
  const [found] = await rawDb().read<{
    id: number;
    user_id: number;
    protocols: string;
    last_used_at: unknown;
    last_used_ip: string;
  }>('SELECT id, user_id, protocols, last_used_at, last_used_ip FROM app_passwords WHERE hash = ?', [
    await hashOf(password),
  ]);
  const row = found && {
    id: Number(found.id),
    userId: Number(found.user_id),
    protocols: String(found.protocols),
    lastUsedAt: found.last_used_at == null ? null : parseStoredDate(found.last_used_at),
    lastUsedIp: String(found.last_used_ip),
  };
  if (!row || row.userId !== userId) return 'none';
  if (!parseProtocols(row.protocols).includes(protocol)) return 'wrong-protocol';
  const now = Date.now();
  const ip = (clientIp ?? '').slice(0, 64);
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS || row.lastUsedIp !== ip)
    await db().appPassword.update({
      where: { id: row.id },
      data: { lastUsedAt: new Date(now), lastUsedIp: ip },
    });
  return 'ok';
}
