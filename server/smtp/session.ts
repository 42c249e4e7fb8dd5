// The SMTP conversation's handlers: connect, AUTH, MAIL FROM, RCPT TO. Each step asks policy/ for
// the decision and reply, logs it with the transaction's queue id, and keeps what DATA needs.
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerSession,
} from 'smtp-server';
import { recordEventSoon, type EventInput } from '../core/events';
import { authenticate, authenticateToken, type AuthenticatedUser } from '../auth';
import {
  decideConnect,
  decideSender,
  decideRecipient,
  type ConnectDecision,
  type Decision,
  type RecipientDecision,
} from '../policy/decide';
import { loadAccessRules } from '../policy/evaluate';
import { databaseDirectory, cachedDirectory } from '../policy/directory';
import { confirmedHostname } from '../policy/dns';
import { dnsblListing } from '../policy/dnsbl';
import { REPLIES, SmtpReplyError, reply } from '../policy/replies';
import type { AccessRuleLike } from '../policy/access';
import { FieldError } from '../domain/errors';
import { newQueueId } from '../queue/ids';
import type { SmtpSettings } from './settings';
import { refuseWhenStorageLow } from './storage-guard';
import { SharedConnectionCounter, type Release } from '../cluster/shared-counter';

export type ListenerKind = 'mx' | 'submission' | 'submissions';

export interface SessionState {
  listener: ListenerKind;
  queueId: string;
  clientIp: string;
  clientHostname: string | null;
  rules: AccessRuleLike[];
  connect: ConnectDecision;
  sender: Decision | null;
  recipients: { address: string; decision: RecipientDecision }[];
  /** Gives back this connection's place in the per-address count; set once it has one. */
  releaseConnection?: Release;
}

const directory = cachedDirectory(databaseDirectory);
const states = new Map<string, SessionState>();
/** Counted across every worker process (cluster/shared-counter.ts). */
const perIp = new SharedConnectionCounter('smtp');

export function stateOf(session: SMTPServerSession): SessionState {
  const state = states.get(session.id);
  if (!state) throw new SmtpReplyError(reply(421, '4.3.0', 'Session state lost, closing'));
  return state;
}

export function userOf(session: SMTPServerSession): AuthenticatedUser | null {
  return (session.user as AuthenticatedUser | undefined) ?? null;
}

export function logEvent(
  state: Pick<SessionState, 'queueId' | 'clientIp'>,
  action: string,
  result: string,
  extra: Partial<EventInput> = {},
): void {
  // Batched: the event log must not slow the conversation down (one INSERT per ~100 ms).
  recordEventSoon({
    protocol: 'smtp',
    action,
    result,
    queueId: state.queueId,
    clientIp: state.clientIp,
    ...extra,
  });
}

/**
 * Bytes that were not UTF-8 (decoded as U+FFFD; RFC 6531 3.3 wants UTF-8) or control characters:
 * a permanent syntax error, not a local failure the client would retry for days.
 */
function malformedAddress(address: string): boolean {
  for (const char of address) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xfffd) return true;
  }
  return false;
}

/** An address our own checks refuse as syntax (FieldError) gets 553, not the 451 of a crash. */
async function syntaxChecked<T>(decide: () => Promise<T>, status: string, what: string): Promise<T> {
  try {
    return await decide();
  } catch (error) {
    if (error instanceof FieldError)
      throw new SmtpReplyError(reply(553, status, `Bad ${what} address syntax`));
    throw error;
  }
}

/** A fresh queue id for the next transaction on the same connection. */
export function nextTransaction(state: SessionState): void {
  state.queueId = newQueueId();
  state.sender = null;
  state.recipients = [];
}

export async function onConnect(
  listener: ListenerKind,
  settings: SmtpSettings,
  session: SMTPServerSession,
): Promise<void> {
  const ip = session.remoteAddress;
  const state: SessionState = {
    listener,
    queueId: newQueueId(),
    clientIp: ip,
    clientHostname: null,
    rules: [],
    connect: decideConnect([], ip),
    sender: null,
    recipients: [],
  };
  states.set(session.id, state);
  const release = await perIp.acquire(ip, settings.maxConnectionsPerIp);
  if (!release) {
    logEvent(state, 'connect', 'too_many', { detail: { listener, limit: settings.maxConnectionsPerIp } });
    throw new SmtpReplyError(reply(421, '4.7.0', 'Too many connections from your address, try again later'));
  }
  // Closed while the count was asked: onClose has run, so give the place back now.
  if (states.get(session.id) !== state) return release();
  state.releaseConnection = release;
  const [rules, hostname] = await Promise.all([loadAccessRules(), confirmedHostname(ip)]);
  state.rules = rules;
  state.clientHostname = hostname;
  state.connect = decideConnect(rules, ip, hostname);
  logEvent(state, 'connect', state.connect.verdict, {
    detail: { listener, hostname, rule: state.connect.rule?.id ?? null, reason: state.connect.reason },
  });
  if (state.connect.verdict === 'reject') throw new SmtpReplyError(state.connect.reply);
  // Blocklists only for strangers on the MX port: a rule that names the client overrides them.
  if (listener === 'mx' && settings.dnsblZones.length > 0 && !state.connect.rule) {
    const listing = await dnsblListing(ip, settings.dnsblZones);
    if (listing) {
      logEvent(state, 'dnsbl', 'reject', { detail: { ...listing } });
      throw new SmtpReplyError(
        reply(554, '5.7.1', `Service unavailable; client [${ip}] blocked using ${listing.zone}`),
      );
    }
  }
}

export function onSecure(session: SMTPServerSession): void {
  const state = states.get(session.id);
  if (state)
    logEvent(state, 'tls', 'ok', {
      detail: {
        version: session.tlsOptions ? session.tlsOptions.version : null,
        cipher: session.tlsOptions ? session.tlsOptions.name : null,
      },
    });
}

export function onClose(session: SMTPServerSession): void {
  const state = states.get(session.id);
  states.delete(session.id);
  if (!state) return;
  state.releaseConnection?.();
  logEvent(state, 'disconnect', 'ok');
}

export async function onAuth(
  auth: SMTPServerAuthentication,
  session: SMTPServerSession,
): Promise<SMTPServerAuthenticationResponse> {
  const state = stateOf(session);
  const clientIp = state.clientIp;
  let result;
  if (auth.method === 'XOAUTH2') {
    result = await authenticateToken({
      username: auth.username ?? '',
      token: auth.accessToken ?? '',
      clientIp,
      protocol: 'smtp',
    });
  } else if (auth.method === 'PLAIN' || auth.method === 'LOGIN') {
    // PLAIN's authorization identity may only name the same user (no proxy logins).
    if (auth.authzid && auth.authzid.toLowerCase() !== (auth.username ?? '').toLowerCase()) {
      logEvent(state, 'auth', 'failed', { user: auth.username, detail: 'authzid differs' });
      return { message: '5.7.8 Authentication credentials invalid', responseCode: 535 };
    }
    result = await authenticate({
      username: auth.username ?? '',
      password: auth.password ?? '',
      clientIp,
      protocol: 'smtp',
    });
  } else {
    return { message: '5.5.4 Unsupported authentication mechanism', responseCode: 504 };
  }
  if (result.ok) {
    logEvent(state, 'auth', 'ok', { user: result.user.address, detail: { method: auth.method } });
    return { user: result.user };
  }
  logEvent(state, 'auth', result.reason, { user: auth.username, detail: { method: auth.method } });
  if (result.reason === 'throttled')
    return {
      message: `4.7.0 Too many failed logins, try again in ${result.retryAfterSeconds ?? 60} seconds`,
      responseCode: 454,
    };
  return { message: '5.7.8 Authentication credentials invalid', responseCode: 535 };
}

export async function onMailFrom(
  address: SMTPServerAddress,
  session: SMTPServerSession,
  settings: SmtpSettings,
): Promise<void> {
  const state = stateOf(session);
  if (state.sender) nextTransaction(state);
  if (malformedAddress(address.address)) {
    logEvent(state, 'mail_from', 'reject', { detail: { sender: address.address, reason: 'syntax' } });
    throw new SmtpReplyError(reply(553, '5.1.7', 'Bad sender address syntax'));
  }
  const user = userOf(session);
  if (state.listener !== 'mx') {
    // Submission (RFC 6409 4.3, RFC 8314): TLS, then AUTH, then mail.
    if (!session.secure) throw new SmtpReplyError(REPLIES.tlsRequired());
    if (!user) throw new SmtpReplyError(REPLIES.authRequired());
  }
  await refuseWhenStorageLow();
  const declared = address.args && typeof address.args.SIZE === 'string' ? Number(address.args.SIZE) : 0;
  if (declared > settings.maxMessageBytes)
    throw new SmtpReplyError(reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'));
  const client = policyClient(state, user);
  const decision = await syntaxChecked(
    () => decideSender(state.rules, directory, client, address.address),
    '5.1.7',
    'sender',
  );
  logEvent(state, 'mail_from', decision.verdict, {
    user: user?.address,
    detail: { sender: address.address, rule: decision.rule?.id ?? null, reason: decision.reason },
  });
  if (decision.verdict === 'reject') throw new SmtpReplyError(decision.reply);
  state.sender = decision;
}

/** Who is asking, as the policy decisions see it (MAIL FROM and RCPT TO alike). */
function policyClient(state: ReturnType<typeof stateOf>, user: ReturnType<typeof userOf>) {
  return {
    ip: state.clientIp,
    hostname: state.clientHostname,
    user: user?.address ?? null,
    relayClient: state.connect.relayClient,
  };
}

export async function onRcptTo(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
  const state = stateOf(session);
  if (malformedAddress(address.address)) {
    logEvent(state, 'rcpt_to', 'reject', { detail: { recipient: address.address, reason: 'syntax' } });
    throw new SmtpReplyError(reply(553, '5.1.3', 'Bad recipient address syntax'));
  }
  const user = userOf(session);
  const client = policyClient(state, user);
  const decision = await syntaxChecked(
    () => decideRecipient(state.rules, directory, client, address.address),
    '5.1.3',
    'recipient',
  );
  logEvent(state, 'rcpt_to', decision.verdict, {
    user: user?.address,
    detail: { recipient: address.address, rule: decision.rule?.id ?? null, reason: decision.reason },
  });
  if (decision.verdict === 'reject') throw new SmtpReplyError(decision.reply);
  state.recipients.push({ address: address.address, decision });
}
