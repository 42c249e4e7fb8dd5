// One smtp-server listener wired to the session handlers. Replies from policy/ carry their own
// enhanced status code (RFC 3463, e.g. 550 5.7.1 vs 550 5.1.1), which smtp-server would otherwise
// derive from the basic code alone.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { peerTimeouts, type PeerTimeouts } from '../core/connection-limits';
import { config } from '../core/config';
import { logger } from '../core/logger';
import { SmtpReplyError, reply } from '../policy/replies';
import { onConnect, onSecure, onClose, onAuth, onMailFrom, onRcptTo, type ListenerKind } from './session';
import { onData } from './data';
import { addOauthBearer } from './oauthbearer';
import type { SmtpSettings } from './settings';
import { guardConnection, type ConnectionInternals } from './connection-guards';
import { startGreeting, type GreetingInternals } from './greet-pause';
import { mustSendProxyHeader, proxyProtocolSettings, readProxyHeader } from '../core/proxy-protocol';

const ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

class PostroomSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly settings: SmtpSettings,
    private readonly timeouts: PeerTimeouts,
    private readonly proxyProtocol = proxyProtocolSettings(),
  ) {
    super(options);
  }

  /**
   * PROXY protocol v1 and v2 from POSTROOM_PROXY_PROTOCOL_FROM only (smtp-server's useProxy knows v1
   * and single addresses alone). Runs before the implicit-TLS handshake, as the header comes first.
   */
  override _handleProxy(socket: Socket, callback: Parameters<SMTPServer['_handleProxy']>[1]): void {
    super._handleProxy(socket, (error, socketOptions) => {
      const settings = this.proxyProtocol;
      if (error || !socketOptions || !settings || !mustSendProxyHeader(settings, socket.remoteAddress))
        return callback(error, socketOptions);
      const proxy = socket.remoteAddress;
      readProxyHeader(socket, settings.timeoutMs).then(
        (peer) =>
          callback(
            null,
            peer ? { ...socketOptions, remoteAddress: peer.address, remotePort: peer.port } : socketOptions,
          ),
        (reason: Error) => {
          logger.info('proxy protocol: connection dropped', {
            listener: 'smtp',
            proxy,
            reason: reason.message,
          });
          socket.on('error', () => undefined);
          socket.destroy();
          callback(reason);
        },
      );
    });
  }

  override connect(socket: Socket, socketOptions?: ConstructorParameters<typeof SMTPConnection>[2]): void {
    const connection = new SMTPConnection(this, socket, socketOptions ?? {});
    const internals = connection as unknown as ConnectionInternals;
    const send = internals.send.bind(connection);
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
    // init() with the greeting pause of greet-pause.ts instead of smtp-server's fixed 100 ms.
    startGreeting(connection as unknown as GreetingInternals, this.settings);
    // After init: the socket's data reaches smtp-server's parser before these guards see it.
    guardConnection(internals, this.settings, this.timeouts);
  }

  /** Implicit TLS (465): the handshake has a hard deadline from here (smtp-server's is an idle timer). */
  override _upgrade(socket: Socket, callback: (error: Error | null, tlsSocket?: TLSSocket) => void): void {
    const pending = this._pendingSockets as Map<Socket, Socket>;
    const timer = setTimeout(() => (pending.get(socket) ?? socket).destroy(), this.timeouts.tlsHandshakeMs);
    timer.unref();
    super._upgrade(socket, (error, tlsSocket) => {
      clearTimeout(timer);
      callback(error, tlsSocket);
    });
  }
}

/**
 * The client hung up mid-DATA: smtp-server destroys the message's stream with ECONNECTION, which
 * a pipeline reading it reports as a premature close.
 */
function isClientGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNECTION' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

function asError(error: unknown): Error {
  if (error instanceof SmtpReplyError) return error;
  // The client's doing, not ours: one short line (nobody is left to read the 451 either).
  if (isClientGone(error)) logger.info('smtp client left during DATA', { reason: (error as Error).message });
  else logger.error('smtp handler failed', { error: error instanceof Error ? error.stack : String(error) });
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
  const server = new PostroomSmtpServer(options, settings, peerTimeouts());
  server.on('error', (error) =>
    logger.warn('smtp connection error', { listener: kind, error: error.message }),
  );
  return server;
}

/**
 * Stops `server` within `graceMs`: new connections are refused at once, and so are sessions between
 * commands (421 4.3.2, RFC 5321 3.8, RFC 3463 "not accepting messages"); one receiving DATA or
 * waiting for its reply may finish within the grace, then is told the same. smtp-server's own
 * closeTimeout (10 s, with 4.4.2) would outlast the worker's stop deadline.
 */
export function closeListener(server: SMTPServer, graceMs: number): Promise<void> {
  server.options.closeTimeout = graceMs + 1000; // a fallback only: the timer below comes first
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const refuse = (busyToo: boolean) => {
    for (const connection of server.connections) {
      const internals = connection as unknown as ConnectionInternals & { close(): void };
      if (!busyToo && (internals._handlerPending || internals._dataStream)) continue;
      // A 421 closes the connection (smtp-server's send).
      internals.send(421, '4.3.2 Service shutting down, try again later');
    }
  };
  refuse(false);
  const timer = setTimeout(() => refuse(true), graceMs);
  return closed.finally(() => clearTimeout(timer));
}
