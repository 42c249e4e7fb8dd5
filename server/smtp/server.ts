// One smtp-server listener wired to the session handlers. Replies from policy/ carry their own
// enhanced status code (RFC 3463, e.g. 550 5.7.1 vs 550 5.1.1), which smtp-server would otherwise
// derive from the basic code alone.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Socket } from 'node:net';
import { config } from '../core/config';
import { logger } from '../core/logger';
import { SmtpReplyError, reply } from '../policy/replies';
import { onConnect, onSecure, onClose, onAuth, onMailFrom, onRcptTo, type ListenerKind } from './session';
import { onData } from './data';
import { addOauthBearer } from './oauthbearer';
import type { SmtpSettings } from './settings';

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

type Send = (code: number, data?: string | string[], context?: string | false) => void;

type OnCommand = (command: Buffer, callback?: () => void) => void;
// Commands that move no mail; too many of them before MAIL is a client wasting the slot.
const COUNTED = new Set(['NOOP', 'RSET', 'VRFY', 'EXPN', 'HELP', 'HELO', 'EHLO', 'ETRN', 'STARTTLS']);

class PostroomSmtpServer extends SMTPServer {
  maxCommandsBeforeMail = 50;

  override connect(socket: Socket, socketOptions?: ConstructorParameters<typeof SMTPConnection>[2]): void {
    const connection = new SMTPConnection(this, socket, socketOptions ?? {});
    const send = connection.send.bind(connection) as Send;
    const internals = connection as unknown as {
      send: Send;
      secure: boolean;
      _onCommand: OnCommand;
      _nextHandler: unknown;
    };
    const onCommand = internals._onCommand.bind(connection);
    let counted = 0;
    internals._onCommand = (command, callback) => {
      const verb = command.toString().split(' ')[0]!.toUpperCase();
      if (!internals._nextHandler && verb === 'MAIL') counted = 0;
      else if (!internals._nextHandler && COUNTED.has(verb) && ++counted > this.maxCommandsBeforeMail) {
        internals.send(421, '4.7.0 Too many commands without a mail transaction, closing', false);
        return callback?.();
      }
      onCommand(command, callback);
    };
    internals.send = (code, data, context) => {
      // No AUTH offered before TLS (RFC 4954 4); AUTH itself answers 538 there.
      if (code === 250 && Array.isArray(data) && !internals.secure)
        data = data.filter((line) => !line.startsWith('AUTH '));
      // A text that already starts with an enhanced code is sent as is.
      send(code, data, typeof data === 'string' && ENHANCED.test(data) ? false : context);
    };
    addOauthBearer(connection as unknown as Parameters<typeof addOauthBearer>[0]);
    this.connections.add(connection);
    connection.on('error', (error: Error) => this._onError(error));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}

function asError(error: unknown): Error {
  if (error instanceof SmtpReplyError) return error;
  logger.error('smtp handler failed', { error: error instanceof Error ? error.stack : String(error) });
  return new SmtpReplyError(reply(451, '4.3.0', 'Local error in processing, try again later'));
}

export function createListener(
  kind: ListenerKind,
  settings: SmtpSettings,
  tls: { cert: Buffer; key: Buffer; minVersion: 'TLSv1.2' },
): SMTPServer {
  const options: SMTPServerOptions = {
    ...tls,
    secure: kind === 'submissions',
    name: config().hostname,
    // RFC 5321 4.2: the greeting names this host; no software name or version.
    banner: '',
    size: settings.maxMessageBytes,
    rejectOversized: true,
    maxRecipients: settings.maxRecipients,
    socketTimeout: settings.idleTimeoutMs,
    authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2', 'OAUTHBEARER'],
    authOptional: true,
    allowInsecureAuth: false,
    disableReverseLookup: true,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    hideREQUIRETLS: true,
    logger: false,
    heloResponse: '%s',
    closeTimeout: 10_000,
    onConnect: (session, callback) =>
      void onConnect(kind, settings, session).then(
        () => callback(),
        (error) => callback(asError(error)),
      ),
    onSecure: (_socket, session, callback) => {
      onSecure(session);
      callback();
    },
    onAuth: (auth, session, callback) =>
      void onAuth(auth, session).then(
        (response) => callback(null, response),
        (error) => callback(asError(error)),
      ),
    onMailFrom: (address, session, callback) =>
      void onMailFrom(address, session, settings).then(
        () => callback(),
        (error) => callback(asError(error)),
      ),
    onRcptTo: (address, session, callback) =>
      void onRcptTo(address, session).then(
        () => callback(),
        (error) => callback(asError(error)),
      ),
    onData: (stream, session, callback) =>
      void onData(stream, session, settings).then(
        (message) => callback(null, message),
        (error) => callback(asError(error)),
      ),
    onClose: (session) => onClose(session),
  };
  const server = new PostroomSmtpServer(options);
  server.maxCommandsBeforeMail = settings.maxCommandsBeforeMail;
  server.on('error', (error) =>
    logger.warn('smtp connection error', { listener: kind, error: error.message }),
  );
  return server;
}
