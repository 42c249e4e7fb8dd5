// The POP3 listeners: the plain port offers STLS (RFC 2595), the other speaks TLS from the first
// byte (RFC 8314). Ports come from config() unless given; 0 picks a free one.
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer, createSecureContext, type TLSSocket } from 'node:tls';
import { config } from '../core/config';
import { listenOn } from '../core/listen';
import { logger } from '../core/logger';
import { tlsServerOptions } from '../core/tls';
import { onTlsMaterialChange } from '../core/tls-reload';
import { greetAfterTickets } from '../core/tls-greeting';
import { acceptProxyHeaders, proxyProtocolSettings } from '../core/proxy-protocol';
import { Pop3Session, type Pop3Options } from './session';
import { guardTlsHandshakes, limitFromEnv, peerTimeouts } from '../core/connection-limits';
import { SharedConnectionCounter } from '../cluster/shared-counter';
import { authCommands } from './commands-auth';
import { mailCommands } from './commands-mail';

const COMMANDS = { ...authCommands, ...mailCommands };

export interface Pop3ServerOptions {
  host?: string;
  port?: number;
  tlsPort?: number;
  /** Defaults to POSTROOM_POP3_ALLOW_PLAIN_AUTH=1; otherwise logins need TLS. */
  allowPlainAuth?: boolean;
  idleTimeoutMs?: number;
}

export interface Pop3Servers {
  ports: { pop3: number; pop3s: number };
  close(): Promise<void>;
}

export async function startPop3Servers(opts: Pop3ServerOptions = {}): Promise<Pop3Servers> {
  const settings = config();
  const host = opts.host ?? settings.listen;
  const tlsOptions = await tlsServerOptions();
  let secureContext = createSecureContext(tlsOptions);
  const base = {
    allowPlainAuth: opts.allowPlainAuth ?? process.env.POSTROOM_POP3_ALLOW_PLAIN_AUTH === '1',
    idleTimeoutMs: opts.idleTimeoutMs ?? 10 * 60_000,
    timeouts: peerTimeouts(),
  };
  // Counted across the worker processes (cluster/shared-counter.ts).
  const perAddress = new SharedConnectionCounter('pop3');
  const maxPerAddress = limitFromEnv('POSTROOM_POP3_MAX_CONN_PER_IP', 20);
  const sessions = new Set<Pop3Session>();
  const open = async (socket: Socket, secure: boolean, options: Pop3Options) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // a reset while the count is asked
    const release = await perAddress.acquire(socket.remoteAddress ?? '', maxPerAddress);
    if (release && socket.destroyed) return release();
    if (!release) {
      socket.on('error', () => undefined);
      socket.end('-ERR [SYS/TEMP] Too many connections from your address\r\n');
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const session = new Pop3Session(socket, secure, options, COMMANDS);
    sessions.add(session);
    // Not the socket's close: STLS swaps the socket and drops the plain one's listeners.
    void session.closed.then(() => {
      sessions.delete(session);
      release();
    });
  };

  const plain = createServer((socket) => void open(socket, false, { ...base, secureContext }));
  const implicit = createTlsServer(tlsOptions, (socket: TLSSocket) => {
    handshakeDone(socket);
    // The session greets as it starts: on the next turn, after the TLS 1.3 session tickets.
    const early = () => socket.destroy();
    socket.on('error', early);
    greetAfterTickets(() => {
      socket.off('error', early);
      if (!socket.destroyed) void open(socket, true, base);
    });
  });
  // A hard deadline: the server's handshakeTimeout is an idle timer a trickling peer resets.
  const handshakeDone = guardTlsHandshakes(implicit, base.timeouts.tlsHandshakeMs);
  implicit.on('tlsClientError', (error) => logger.debug('pop3s handshake failed', { error: error.message }));
  // Behind a load balancer: the PROXY header comes first (before the TLS handshake on POP3S).
  const proxyProtocol = proxyProtocolSettings();
  acceptProxyHeaders(plain, proxyProtocol, 'pop3');
  acceptProxyHeaders(implicit, proxyProtocol, 'pop3s');
  for (const server of [plain, implicit])
    server.on('error', (error) => logger.error('pop3 listener error', { error: error.message }));

  const pop3 = await listenOn(plain, opts.port ?? settings.pop3Port, host);
  let pop3s: number;
  try {
    pop3s = await listenOn(implicit, opts.tlsPort ?? settings.pop3sPort, host);
  } catch (error) {
    plain.close();
    throw error;
  }
  logger.info('pop3 listening', { host, pop3, pop3s });
  // A renewed certificate: STLS and POP3S handshakes from now on use it.
  const stopReload = onTlsMaterialChange(({ cert, key }) => {
    Object.assign(tlsOptions, { cert, key });
    secureContext = createSecureContext(tlsOptions);
    implicit.setSecureContext(tlsOptions);
  });

  return {
    ports: { pop3, pop3s },
    async close() {
      stopReload();
      const stopped = Promise.all(
        [plain, implicit].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
      const open = [...sessions];
      for (const session of open) session.destroy();
      await Promise.all(open.map((session) => session.closed));
      await stopped;
    },
  };
}
