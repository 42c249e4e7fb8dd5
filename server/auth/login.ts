// Verifying a login for every protocol (SMTP AUTH, IMAP, POP3, the web console and webmail).
// The login name is the full mailbox address; an address at an alias domain logs in to the
// mailbox of the same local part at the domain it aliases.
import { timingSafeEqual } from 'node:crypto';
import { db } from '../core/db';
import { recordEvent, type EventInput } from '../core/events';
import { verifyPassword, hashPassword, needsRehash } from './password';
import { throttleState, recordFailure } from './throttle';
import { verifyAccessToken } from './tokens';
import type { AuthenticatedUser } from './user';

export type { AuthenticatedUser } from './user';

export type LoginResult =
  | { ok: true; user: AuthenticatedUser }
  | { ok: false; reason: 'invalid' | 'throttled' | 'disabled'; retryAfterSeconds?: number };

export interface LoginAttempt {
  username: string;
  password: string;
  clientIp?: string;
  protocol: EventInput['protocol'];
}

// A fixed argon2id hash so unknown users cost as much time as known ones.
let decoyHash: Promise<string> | undefined;

async function findLoginUser(username: string) {
  const at = username.lastIndexOf('@');
  if (at <= 0) return null;
  const local = username.slice(0, at).toLowerCase();
  const domainName = username
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  const domain = await db().domain.findUnique({ where: { domain: domainName }, include: { aliasOf: true } });
  if (!domain) return null;
  const realDomain = domain.aliasOf?.domain ?? domain.domain;
  const user = await db().user.findUnique({ where: { local_domain: { local, domain: realDomain } } });
  return user ? { user, domainEnabled: domain.enabled && (domain.aliasOf?.enabled ?? true) } : null;
}

function toAuthenticated(user: {
  id: number;
  local: string;
  domain: string;
  displayName: string;
  role: string;
}): AuthenticatedUser {
  return {
    id: user.id,
    address: `${user.local}@${user.domain}`,
    local: user.local,
    domain: user.domain,
    displayName: user.displayName,
    role: user.role,
  };
}

export async function authenticate(attempt: LoginAttempt): Promise<LoginResult> {
  const username = attempt.username.trim().slice(0, 320);
  const event = { protocol: attempt.protocol, clientIp: attempt.clientIp, user: username, action: 'auth' };
  const throttle = await throttleState(attempt.clientIp, username);
  if (throttle.blocked) {
    await recordEvent({ ...event, result: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterSeconds: throttle.retryAfterSeconds };
  }
  const found = await findLoginUser(username);
  decoyHash ??= hashPassword('decoy-password-for-timing');
  const valid = found
    ? await verifyPassword(attempt.password, found.user.passwordHash)
    : (await verifyPassword(attempt.password, await decoyHash), false);
  if (!found || !valid) {
    await recordFailure(attempt.clientIp, username);
    await recordEvent({ ...event, result: 'failed' });
    return { ok: false, reason: 'invalid' };
  }
  if (!found.user.enabled || !found.domainEnabled) {
    await recordEvent({ ...event, result: 'disabled' });
    return { ok: false, reason: 'disabled' };
  }
  if (needsRehash(found.user.passwordHash)) {
    // Upgrade legacy bcrypt hashes in place; passwordChangedAt stays, so tokens stay valid.
    await db().user.update({
      where: { id: found.user.id },
      data: { passwordHash: await hashPassword(attempt.password) },
    });
  }
  await recordEvent({ ...event, user: `${found.user.local}@${found.user.domain}`, result: 'ok' });
  return { ok: true, user: toAuthenticated(found.user) };
}

/** SASL OAUTHBEARER / XOAUTH2 with a webmail token: the token must belong to `username`. */
export async function authenticateToken(attempt: {
  username: string;
  token: string;
  clientIp?: string;
  protocol: EventInput['protocol'];
}): Promise<LoginResult> {
  // Token guessing is throttled like password guessing, for every protocol that accepts tokens.
  const throttle = await throttleState(attempt.clientIp, attempt.username || 'token');
  if (throttle.blocked) {
    await recordEvent({
      protocol: attempt.protocol,
      clientIp: attempt.clientIp,
      user: attempt.username,
      action: 'auth',
      result: 'throttled',
      detail: 'bearer token',
    });
    return { ok: false, reason: 'throttled', retryAfterSeconds: throttle.retryAfterSeconds };
  }
  const user = await verifyAccessToken(attempt.token);
  const claimed = Buffer.from(attempt.username.toLowerCase());
  const matches =
    user !== null &&
    (attempt.username === '' ||
      (claimed.length === Buffer.byteLength(user.address) &&
        timingSafeEqual(claimed, Buffer.from(user.address))));
  if (!user || !matches) {
    await recordFailure(attempt.clientIp, attempt.username || 'token');
    await recordEvent({
      protocol: attempt.protocol,
      clientIp: attempt.clientIp,
      user: attempt.username,
      action: 'auth',
      result: 'failed',
      detail: 'bearer token',
    });
    return { ok: false, reason: 'invalid' };
  }
  return { ok: true, user };
}

export { toAuthenticated };
