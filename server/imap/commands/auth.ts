// LOGIN (RFC 9051 section 6.2.3) and AUTHENTICATE (section 6.2.2) with PLAIN (RFC 4616), LOGIN
// (draft-murchison-sasl-login, for older clients), OAUTHBEARER (RFC 7628) and XOAUTH2, initial
// response per SASL-IR (RFC 4959). Both need TLS unless
// POSTROOM_IMAP_ALLOW_PLAIN_AUTH=1; the shared auth core throttles and logs failures.
import {
  BEARER_ERROR_CHALLENGE,
  authenticate,
  authenticateToken,
  decodeBearer,
  decodeLoginField,
  decodePlain,
  type LoginResult,
} from '../../auth';
import { LOGIN_CHALLENGES } from '../../auth/sasl';
import { bad, no } from '../errors';
import type { ImapSession } from '../session';
import type { CommandHandler } from './types';

function requireTls(session: ImapSession): void {
  if (!session.secure && !session.options.allowPlainAuth)
    throw no('Log in only after STARTTLS', 'PRIVACYREQUIRED');
}

function finish(session: ImapSession, result: LoginResult): string {
  if (!result.ok) {
    if (result.reason === 'throttled')
      throw no(
        `Too many failed logins, try again in ${result.retryAfterSeconds ?? 60} seconds`,
        'UNAVAILABLE',
      );
    if (result.reason === 'disabled') throw no('This mailbox is disabled', 'AUTHORIZATIONFAILED');
    throw no('Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  session.user = result.user;
  session.state = 'auth';
  return `[CAPABILITY ${session.capabilityLine()}] Logged in as ${result.user.address}`;
}

export const LOGIN: CommandHandler = {
  states: ['notauth'],
  sync: 'none',
  async run(session, command) {
    const username = command.args.astring('user name');
    const password = command.args.astring('password');
    command.args.end();
    requireTls(session);
    return finish(
      session,
      await authenticate({ username, password, clientIp: session.remoteAddress, protocol: 'imap' }),
    );
  },
};

/** Reads one client line of a SASL exchange; "*" cancels (RFC 9051 section 6.2.2). */
async function readResponse(session: ImapSession, challenge: string): Promise<string> {
  session.send(`+ ${challenge}`);
  const line = await session.reader.readLine();
  if (line === null) throw no('Connection closed');
  if (!Buffer.isBuffer(line)) throw bad('Response too long');
  const text = line.toString('latin1').trim();
  if (text === '*') throw bad('Authentication cancelled');
  return text;
}

/** LOGIN: the user name (or SASL-IR's initial response), then the password, each in base64. */
async function loginMechanism(session: ImapSession, initial: string | null): Promise<string> {
  const username = decodeLoginField(initial ?? (await readResponse(session, LOGIN_CHALLENGES.username)));
  if (!username) throw bad('Malformed LOGIN user name');
  const password = decodeLoginField(await readResponse(session, LOGIN_CHALLENGES.password));
  if (!password) throw bad('Malformed LOGIN password');
  return finish(
    session,
    await authenticate({ username, password, clientIp: session.remoteAddress, protocol: 'imap' }),
  );
}

export const AUTHENTICATE: CommandHandler = {
  states: ['notauth'],
  sync: 'none',
  async run(session, command) {
    const mechanism = command.args.atom('mechanism').toUpperCase();
    const initial = command.args.remaining > 0 ? command.args.atom('initial response') : null;
    command.args.end();
    if (!['PLAIN', 'LOGIN', 'OAUTHBEARER', 'XOAUTH2'].includes(mechanism))
      throw no(`Unsupported mechanism ${mechanism.slice(0, 20)}`);
    requireTls(session);
    if (mechanism === 'LOGIN') return loginMechanism(session, initial);
    const response = initial ?? (await readResponse(session, ''));
    if (mechanism === 'PLAIN') {
      const credentials = decodePlain(response);
      if (!credentials) throw bad('Malformed PLAIN response');
      if (credentials.authzid && credentials.authzid.toLowerCase() !== credentials.username.toLowerCase())
        throw no('Acting as another user is not allowed', 'AUTHORIZATIONFAILED');
      return finish(
        session,
        await authenticate({
          username: credentials.username,
          password: credentials.password,
          clientIp: session.remoteAddress,
          protocol: 'imap',
        }),
      );
    }
    const bearer = decodeBearer(response, mechanism as 'OAUTHBEARER' | 'XOAUTH2');
    const result: LoginResult = bearer
      ? await authenticateToken({
          username: bearer.username,
          token: bearer.token,
          clientIp: session.remoteAddress,
          protocol: 'imap',
        })
      : { ok: false, reason: 'invalid' };
    if (!result.ok && result.reason === 'invalid') {
      // RFC 7628 section 3.2.2: an error challenge, answered by the client with a dummy line.
      const error = BEARER_ERROR_CHALLENGE;
      await readResponse(session, error).catch(() => undefined);
    }
    return finish(session, result);
  },
};
