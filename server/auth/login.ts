// Verifying a login for every protocol (SMTP AUTH, IMAP, POP3, the web console and webmail).
// The login name is the full mailbox address; an address at an alias domain logs in to the
// mailbox of the same local part at the domain it aliases. Every spelling of a name is checked and
// throttled as its canonical account (login-name.ts, throttle.ts).
import { db } from '../core/db';
import { recordEvent, type EventInput } from '../core/events';
import { matchAppPassword, type AppPasswordProtocol } from './app-passwords';
import { resolveLoginName } from './login-name';
import { verifyPassword, verifyHash, hashPassword, needsRehash, knownRight } from './password';
import { passThrottle } from './throttle';
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

/** The event log names the canonical account, and the name as sent when it was spelled otherwise. */
function authEvent(
  attempt: { username: string; clientIp?: string; protocol: EventInput['protocol'] },
  canonical: string,
) {
  const sent = attempt.username.trim().slice(0, 320);
  return {
    protocol: attempt.protocol,
    clientIp: attempt.clientIp,
    user: canonical,
    action: 'auth',
    detail: sent === canonical ? undefined : { login: sent },
  };
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

function mailProtocol(protocol: EventInput['protocol']): AppPasswordProtocol | null {
  // ManageSieve is a mail client's too (it logs in with the IMAP account's settings): IMAP's app
  // passwords, and never the account password once two-factor is on.
  if (protocol === 'sieve') return 'imap';
  return protocol === 'imap' || protocol === 'pop3' || protocol === 'smtp' ? protocol : null;
}

export async function authenticate(attempt: LoginAttempt): Promise<LoginResult> {
  const account = await resolveLoginName(attempt.username);
  const event = authEvent(attempt, account.canonical);
  const { user } = account;
  // A password that verified within the cache's TTL needs no failure reserved (throttle.ts).
  const rightPassword = user !== null && knownRight(attempt.password, user.passwordHash);
  const gate = await passThrottle(account.canonical, attempt.clientIp, { rightPassword });
  if (!gate.admitted) {
    await recordEvent({ ...event, result: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
  }
  // Mail protocols take the account's app passwords too, and only those once two-factor is on
  // (the account password then stays checked, so the answer takes as long either way).
  const mail = mailProtocol(attempt.protocol);
  const app =
    user && mail ? await matchAppPassword(user.id, attempt.password, mail, attempt.clientIp) : 'none';
  const accountPasswordAllowed =
    app === 'none' && !(user && mail && (user.totpEnabledAt !== null || user.passkeys > 0));
  decoyHash ??= hashPassword('decoy-password-for-timing');
  const valid =
    app === 'ok' ||
    (user
      ? (await verifyPassword(attempt.password, user.passwordHash)) && accountPasswordAllowed
      : // Uncached: a cached decoy would tell unknown names from known ones by the answer's speed.
        (await verifyHash(attempt.password, await decoyHash), false));
  if (!user || !valid) {
    // Counted (a reserving gate's reservation stays); wrong password and unknown user look the same.
    await gate.failed();
    await recordEvent({ ...event, result: 'failed' });
    return { ok: false, reason: 'invalid' };
  }
  await gate.succeeded();
  if (!user.enabled || !account.domainEnabled) {
    await recordEvent({ ...event, result: 'disabled' });
    return { ok: false, reason: 'disabled' };
  }
  if (app === 'ok') {
    await recordEvent({ ...event, result: 'ok', detail: { ...(event.detail ?? {}), password: 'app' } });
    return { ok: true, user: toAuthenticated(user) };
  }
  if (needsRehash(user.passwordHash)) {
    // Upgrade legacy bcrypt hashes in place; passwordChangedAt stays, so tokens stay valid.
    await db().user.update({
      where: { id: user.id },
      data: { passwordHash: await hashPassword(attempt.password) },
    });
  }
  await recordEvent({ ...event, result: 'ok' });
  return { ok: true, user: toAuthenticated(user) };
}

/** SASL OAUTHBEARER / XOAUTH2 with a webmail token: the token must belong to `username`. */
export async function authenticateToken(attempt: {
  username: string;
  token: string;
  clientIp?: string;
  protocol: EventInput['protocol'];
}): Promise<LoginResult> {
  // Token guessing is throttled like password guessing, under the same canonical account.
  const account = attempt.username ? await resolveLoginName(attempt.username) : null;
  const canonical = account?.canonical ?? 'token'; // the name POP3's pre-check uses too
  const event = { ...authEvent(attempt, canonical), detail: 'bearer token' };
  const gate = await passThrottle(canonical, attempt.clientIp);
  if (!gate.admitted) {
    await recordEvent({ ...event, result: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
  }
  const user = await verifyAccessToken(attempt.token);
  // A token names its mailbox; a login name, if given, must resolve to the same one.
  const matches = user !== null && (account === null || account.user?.id === user.id);
  if (!user || !matches) {
    await recordEvent({ ...event, result: 'failed' });
    return { ok: false, reason: 'invalid' };
  }
  await gate.succeeded();
  return { ok: true, user };
}

export { toAuthenticated };
