// Not-authenticated state and the commands of every state (RFC 5804 sections 2.1-2.4, 2.13-2.14):
// CAPABILITY, STARTTLS, AUTHENTICATE (PLAIN, and OAUTHBEARER/XOAUTH2 with the webmail's tokens),
// UNAUTHENTICATE, LOGOUT and NOOP. Logins go through the shared auth core (throttled, logged) and
// need TLS unless plain logins are allowed.
import {
  BEARER_ERROR_CHALLENGE,
  authenticate,
  authenticateToken,
  decodeBearer,
  decodePlain,
  type LoginResult,
} from '../auth';
import { SIEVE_EXTENSIONS } from '../sieve';
import { sieveLimits } from '../rules';
import type { Token } from './reader';
import type { CommandHandler, ManageSieveSession } from './session';
import { response, sieveString } from './wire';

const MECHANISMS = ['PLAIN', 'OAUTHBEARER', 'XOAUTH2'] as const;
type Mechanism = (typeof MECHANISMS)[number];
const MAX_SASL_BYTES = 8 * 1024;

export function capabilityLines(session: ManageSieveSession): string[] {
  const lines = [
    `"IMPLEMENTATION" "Postroom"`,
    // Before TLS no mechanism is offered: clients then know to STARTTLS first.
    `"SASL" ${sieveString(session.user || !session.authAllowed ? '' : MECHANISMS.join(' '))}`,
    `"SIEVE" ${sieveString(SIEVE_EXTENSIONS.join(' '))}`,
  ];
  if (!session.secure && session.options.secureContext) lines.push('"STARTTLS"');
  lines.push(`"MAXREDIRECTS" "${sieveLimits().maxRedirects}"`);
  if (session.user) lines.push(`"OWNER" ${sieveString(session.user.address)}`);
  lines.push('"VERSION" "1.0"');
  return lines;
}

export function greet(session: ManageSieveSession): void {
  for (const line of capabilityLines(session)) session.send(line);
  session.send(response('OK', 'Postroom ManageSieve ready'));
}

function noArguments(session: ManageSieveSession, args: Token[], name: string): boolean {
  if (args.length === 0) return true;
  session.send(response('NO', `${name} takes no arguments`));
  return false;
}

const capability: CommandHandler = async (session, args) => {
  if (!noArguments(session, args, 'CAPABILITY')) return;
  greet(session);
};

const starttls: CommandHandler = async (session, args) => {
  if (!noArguments(session, args, 'STARTTLS')) return;
  if (session.secure) return session.send(response('NO', 'TLS is already active'));
  if (session.user) return session.send(response('NO', 'STARTTLS is only allowed before AUTHENTICATE'));
  const context = session.options.secureContext;
  if (!context) return session.send(response('NO', 'TLS is not available'));
  session.send(response('OK', 'Begin TLS negotiation now'));
  // Section 2.2: after the handshake the server sends its capabilities again, then OK.
  session.startTls(context, () => greet(session));
};

function logOutcome(session: ManageSieveSession, result: LoginResult): void {
  if (result.ok) {
    session.user = { id: result.user.id, address: result.user.address };
    session.send(response('OK', 'Logged in'));
  } else if (result.reason === 'throttled')
    session.send(response('NO', 'Too many failed logins; try again later', 'TRYLATER'));
  else session.send(response('NO', 'Authentication failed'));
}

async function plain(session: ManageSieveSession, base64: string): Promise<void> {
  const credentials = decodePlain(base64);
  if (!credentials) return session.send(response('NO', 'Malformed SASL PLAIN response'));
  // No proxy logins: an authorisation identity must name the same user (RFC 4616 section 2).
  if (credentials.authzid && credentials.authzid.toLowerCase() !== credentials.username.toLowerCase())
    return session.send(response('NO', 'Authorization identity not permitted'));
  logOutcome(
    session,
    await authenticate({
      username: credentials.username,
      password: credentials.password,
      clientIp: session.remoteAddress,
      protocol: 'sieve',
    }),
  );
}

async function bearer(session: ManageSieveSession, mechanism: 'OAUTHBEARER' | 'XOAUTH2', base64: string) {
  const credentials = decodeBearer(base64, mechanism);
  if (!credentials) return session.send(response('NO', `Malformed SASL ${mechanism} response`));
  // authenticateToken throttles token guessing itself, under the canonical account.
  const result: LoginResult = await authenticateToken({
    username: credentials.username,
    token: credentials.token,
    clientIp: session.remoteAddress,
    protocol: 'sieve',
  });
  if (!result.ok && result.reason === 'invalid') {
    // RFC 7628 3.2.2: an error challenge first; whatever the client answers, the exchange fails.
    const error = BEARER_ERROR_CHALLENGE;
    session.awaitingSasl = async () => logOutcome(session, result);
    return session.send(sieveString(error));
  }
  logOutcome(session, result);
}

function respond(session: ManageSieveSession, mechanism: Mechanism, base64: string): Promise<void> {
  if (base64.length > MAX_SASL_BYTES) {
    session.send(response('NO', 'SASL response too long'));
    return Promise.resolve();
  }
  if (mechanism === 'PLAIN') return plain(session, base64);
  return bearer(session, mechanism, base64);
}

/** The client's answer to a challenge: one string; "*" cancels (section 2.1). */
function saslAnswer(session: ManageSieveSession, mechanism: Mechanism) {
  return async (tokens: Token[]) => {
    const [answer, extra] = tokens;
    if (!answer || answer.kind !== 'string' || extra)
      return session.send(response('NO', 'Expected a SASL response string'));
    if (answer.value === '*') return session.send(response('NO', 'Authentication cancelled'));
    return respond(session, mechanism, answer.value.trim());
  };
}

const authenticateCommand: CommandHandler = async (session, args) => {
  if (session.user) return session.send(response('NO', 'Already authenticated'));
  const [name, initial, extra] = args;
  if (!name || name.kind !== 'string' || (initial && initial.kind !== 'string') || extra)
    return session.send(response('NO', 'Usage: AUTHENTICATE "mechanism" ["initial response"]'));
  if (!session.authAllowed)
    return session.send(response('NO', 'Authentication needs TLS: use STARTTLS first', 'ENCRYPT-NEEDED'));
  const mechanism = MECHANISMS.find((known) => known === name.value.toUpperCase());
  if (!mechanism) return session.send(response('NO', 'Unsupported authentication mechanism'));
  if (initial) return respond(session, mechanism, initial.value.trim());
  session.awaitingSasl = saslAnswer(session, mechanism);
  session.send('""');
};

const unauthenticate: CommandHandler = async (session, args) => {
  if (!noArguments(session, args, 'UNAUTHENTICATE')) return;
  if (!session.user) return session.send(response('NO', 'Not authenticated'));
  session.user = null;
  session.send(response('OK', 'Logged out; authenticate again'));
};

const logout: CommandHandler = async (session, args) => {
  if (!noArguments(session, args, 'LOGOUT')) return;
  session.send(response('OK', 'Logout completed'));
  session.end();
};

const noop: CommandHandler = async (session, args) => {
  const [tag, extra] = args;
  if (extra || (tag && tag.kind !== 'string')) return session.send(response('NO', 'Usage: NOOP ["tag"]'));
  session.send(response('OK', 'Done', tag ? `TAG ${sieveString(tag.value)}` : undefined));
};

export const authCommands: Record<string, CommandHandler> = {
  CAPABILITY: capability,
  STARTTLS: starttls,
  AUTHENTICATE: authenticateCommand,
  UNAUTHENTICATE: unauthenticate,
  LOGOUT: logout,
  NOOP: noop,
};
