// AUTHORIZATION state: CAPA (RFC 2449), STLS (RFC 2595), USER/PASS (RFC 1939 section 7) and
// AUTH (RFC 5034) with an optional initial response: PLAIN (RFC 4616), LOGIN (for older clients,
// as Dovecot offers it), and OAUTHBEARER (RFC 7628) and XOAUTH2 for the webmail's access tokens. Logins go through the shared auth core (throttled,
// logged); RFC 3206 response codes tell clients why a login failed.
import {
  BEARER_ERROR_CHALLENGE,
  authenticate,
  authenticateToken,
  decodeBearer,
  decodeLoginField,
  decodePlain,
  throttleState,
  type LoginResult,
} from '../auth';
import { LOGIN_CHALLENGES } from '../auth/sasl';
import { lockMaildrop, openMaildrop } from '../store/maildrop';
import type { CommandHandler, Pop3Session } from './session';

export const LOCK_TTL_MS = 60_000;
const MAX_ARGUMENT_BYTES = 1024;
/** SASL mechanisms, all of which need TLS unless plain logins are allowed. */
const MECHANISMS = ['PLAIN', 'LOGIN', 'OAUTHBEARER', 'XOAUTH2'] as const;
type Mechanism = (typeof MECHANISMS)[number];

const PLAINTEXT_REFUSED =
  '-ERR [AUTH] Plaintext authentication disallowed on non-secure connections; use STLS';

function capabilities(session: Pop3Session): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (session.state === 'authorization' && session.authAllowed)
    caps.push('USER', `SASL ${MECHANISMS.join(' ')}`);
  if (session.state === 'authorization' && !session.secure && session.options.secureContext)
    caps.push('STLS');
  caps.push('IMPLEMENTATION Postroom');
  return caps;
}

const capa: CommandHandler = async (session) => {
  session.reply('+OK Capability list follows');
  for (const cap of capabilities(session)) session.reply(cap);
  session.reply('.');
};

const stls: CommandHandler = async (session, args) => {
  if (args) return session.reply('-ERR STLS takes no arguments');
  if (session.secure) return session.reply('-ERR Command not permitted when TLS active');
  if (session.state !== 'authorization') return session.reply('-ERR Command not valid in this state');
  if (!session.options.secureContext) return session.reply('-ERR TLS not available');
  session.reply('+OK Begin TLS negotiation now');
  session.startTls(session.options.secureContext);
};

/** Verifies the credentials, takes the maildrop lock and enters TRANSACTION. */
async function logIn(session: Pop3Session, username: string, password: string): Promise<void> {
  await enterTransaction(
    session,
    await authenticate({ username, password, clientIp: session.remoteAddress, protocol: 'pop3' }),
  );
}

/** Answers a login attempt: on success takes the maildrop lock and enters TRANSACTION. */
async function enterTransaction(session: Pop3Session, result: LoginResult): Promise<void> {
  if (!result.ok) {
    if (result.reason === 'throttled')
      return session.reply('-ERR [SYS/TEMP] Too many failed logins; try again later');
    return session.reply('-ERR [AUTH] Authentication failed');
  }
  const lock = await lockMaildrop(result.user.id, LOCK_TTL_MS);
  // RFC 2449 section 8.1.1: IN-USE when the maildrop is locked by another session.
  if (!lock) return session.reply('-ERR [IN-USE] Mailbox is locked by another POP3 session');
  try {
    const maildrop = await openMaildrop(result.user.id);
    if (session.state !== 'authorization') throw new Error('session closed during login');
    session.beginTransaction(result.user.id, lock, maildrop, LOCK_TTL_MS / 3);
    const octets = maildrop.messages.reduce((sum, message) => sum + message.size, 0);
    session.reply(`+OK Logged in, ${maildrop.messages.length} messages (${octets} octets)`);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function inAuthorization(session: Pop3Session): boolean {
  if (session.state === 'authorization') return true;
  session.reply('-ERR Command not valid in this state');
  return false;
}

const user: CommandHandler = async (session, args) => {
  if (!inAuthorization(session)) return;
  if (!session.authAllowed) return session.reply(PLAINTEXT_REFUSED);
  const name = args.trim();
  if (!name || name.length > MAX_ARGUMENT_BYTES || /\s/.test(name))
    return session.reply('-ERR USER needs one argument: the mailbox address');
  session.pendingUser = name;
  session.reply('+OK Send your password');
};

const pass: CommandHandler = async (session, args) => {
  if (!inAuthorization(session)) return;
  if (!session.authAllowed) return session.reply(PLAINTEXT_REFUSED);
  const username = session.pendingUser;
  session.pendingUser = null;
  if (!username) return session.reply('-ERR Send USER first');
  if (!args || args.length > MAX_ARGUMENT_BYTES) return session.reply('-ERR PASS needs the password');
  await logIn(session, username, args); // the whole rest of the line: passwords may hold spaces
};

async function plainResponse(session: Pop3Session, response: string): Promise<void> {
  if (response === '*') return session.reply('-ERR Authentication cancelled');
  const credentials = decodePlain(response === '=' ? '' : response);
  if (!credentials) return session.reply('-ERR Malformed SASL PLAIN response');
  // No proxy logins: an authorisation identity must name the same user (RFC 4616 section 2).
  if (credentials.authzid && credentials.authzid.toLowerCase() !== credentials.username.toLowerCase()) {
    return session.reply('-ERR [AUTH] Authorization identity not permitted');
  }
  await logIn(session, credentials.username, credentials.password);
}

async function bearerResponse(
  session: Pop3Session,
  mechanism: 'OAUTHBEARER' | 'XOAUTH2',
  response: string,
): Promise<void> {
  if (response === '*') return session.reply('-ERR Authentication cancelled');
  const bearer = decodeBearer(response, mechanism);
  if (!bearer) return session.reply(`-ERR Malformed SASL ${mechanism} response`);
  const throttle = await throttleState(session.remoteAddress, bearer.username || 'token');
  const result: LoginResult = throttle.blocked
    ? { ok: false, reason: 'throttled', retryAfterSeconds: throttle.retryAfterSeconds }
    : await authenticateToken({
        username: bearer.username,
        token: bearer.token,
        clientIp: session.remoteAddress,
        protocol: 'pop3',
      });
  if (!result.ok && result.reason === 'invalid') {
    // RFC 7628 section 3.2.2 (and XOAUTH2 alike): an error challenge first; whatever the client
    // answers (a dummy ^A, or an empty line), the exchange then fails.
    session.awaitingSasl = async () => enterTransaction(session, result);
    const error = BEARER_ERROR_CHALLENGE;
    return session.reply(`+ ${error}`);
  }
  await enterTransaction(session, result);
}

/** LOGIN: the user name (the initial response, or asked for), then the password is asked for. */
async function loginResponse(session: Pop3Session, response: string): Promise<void> {
  if (response === '*') return session.reply('-ERR Authentication cancelled');
  const username = decodeLoginField(response);
  if (!username || username.length > MAX_ARGUMENT_BYTES)
    return session.reply('-ERR Malformed SASL LOGIN response');
  session.awaitingSasl = async (line) => {
    const answer = line.trim();
    if (answer === '*') return session.reply('-ERR Authentication cancelled');
    const password = decodeLoginField(answer);
    if (!password || password.length > MAX_ARGUMENT_BYTES)
      return session.reply('-ERR Malformed SASL LOGIN response');
    await logIn(session, username, password);
  };
  session.reply(`+ ${LOGIN_CHALLENGES.password}`);
}

function saslResponse(session: Pop3Session, mechanism: Mechanism, response: string): Promise<void> {
  if (mechanism === 'PLAIN') return plainResponse(session, response);
  if (mechanism === 'LOGIN') return loginResponse(session, response);
  return bearerResponse(session, mechanism, response);
}

const auth: CommandHandler = async (session, args) => {
  if (!inAuthorization(session)) return;
  const [name, initial, extra] = args.trim().split(/\s+/);
  if (!name) {
    // Listing mechanisms for a bare AUTH is what many clients probe with (pre-RFC 5034 practice).
    session.reply('+OK Supported mechanisms follow');
    if (session.authAllowed) for (const mechanism of MECHANISMS) session.reply(mechanism);
    return session.reply('.');
  }
  if (!session.authAllowed) return session.reply(PLAINTEXT_REFUSED);
  const mechanism = MECHANISMS.find((known) => known === name.toUpperCase());
  if (!mechanism) return session.reply('-ERR Unsupported authentication mechanism');
  // Bearer tokens are longer than passwords; the line reader still caps the whole line.
  const maxInitial =
    mechanism === 'PLAIN' || mechanism === 'LOGIN' ? MAX_ARGUMENT_BYTES : MAX_ARGUMENT_BYTES * 6;
  if (extra !== undefined || (initial && initial.length > maxInitial))
    return session.reply('-ERR Malformed AUTH command');
  if (initial !== undefined) return saslResponse(session, mechanism, initial);
  session.awaitingSasl = (line) => saslResponse(session, mechanism, line.trim());
  session.reply(mechanism === 'LOGIN' ? `+ ${LOGIN_CHALLENGES.username}` : '+ ');
};

export const authCommands: Record<string, CommandHandler> = {
  CAPA: capa,
  STLS: stls,
  USER: user,
  PASS: pass,
  AUTH: auth,
};
