// The listeners: plain IMAP with STARTTLS and implicit TLS (RFC 8314), one ImapSession a socket.
import { createServer, type Server, type Socket } from 'node:net';
import {
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import { once } from 'node:events';
import { config } from '../core/config';
import { tlsServerOptions } from '../core/tls';
import { onTlsMaterialChange } from '../core/tls-reload';
import { greetAfterTickets } from '../core/tls-greeting';
import { acceptProxyHeaders, proxyProtocolSettings } from '../core/proxy-protocol';
import { logger } from '../core/logger';
import { DEFAULT_LIMITS } from './parser';
import { APPEND_LIMIT } from './capabilities';
import { ImapSession, type SessionOptions } from './session';
import { guardTlsHandshakes, limitFromEnv, peerTimeouts } from '../core/connection-limits';
import { leanTlsConnections } from '../core/lean-tls';
import { admitSocket, SharedConnectionCounter } from '../cluster/shared-counter';
import { newImapPeerLimits } from './peer-limits';
import { holdChangePoller } from '../store';

export interface ImapServerOptions {
  host?: string;
  port?: number;
  tlsPort?: number;
}

export interface RunningImapServers {
  ports: Record<string, number>;
  close(): Promise<void>;
}

function runSession(session: ImapSession): void {
  session.run().catch(sessionCrashed);
}

function sessionCrashed(error: unknown): void {
  logger.error('imap session crashed', { error: String(error) });
}

export async function startImapServers(opts: ImapServerOptions = {}): Promise<RunningImapServers> {
  const settings = config();
  const host = opts.host ?? settings.listen;
  const tlsOptions: TlsOptions = await tlsServerOptions();
  // One object for every session (a copy per connection cost ~0.3 KiB: its own hidden class).
  const base: SessionOptions = {
    tlsOptions,
    allowPlainAuth: process.env.POSTROOM_IMAP_ALLOW_PLAIN_AUTH === '1',
    limits: { ...DEFAULT_LIMITS, maxAppendLiteral: APPEND_LIMIT },
    hostname: settings.hostname,
    idleTimeoutMs: 30 * 60_000,
    peer: newImapPeerLimits(peerTimeouts(), limitFromEnv('POSTROOM_IMAP_MAX_CONN_PER_USER_IP', 10)),
  };
  // Counted across the worker processes (cluster/shared-counter.ts).
  const perAddress = new SharedConnectionCounter('imap');
  const maxPerAddress = limitFromEnv('POSTROOM_IMAP_MAX_CONN_PER_IP', 50);
  const sockets = new Set<Socket>();
  /** By the socket accepted (a session's own socket changes at STARTTLS). */
  const sessions = new Map<Socket, ImapSession>();
  // One listener for every socket: a closure per connection would be held as long as it is open.
  function forget(this: Socket): void {
    sockets.delete(this);
    sessions.delete(this);
  }
  const handle = (secure: boolean) => (socket: Socket) => {
    if (secure) handshakeDone(socket as TLSSocket);
    sockets.add(socket);
    socket.on('close', forget);
    void admitSocket(perAddress, socket, socket.remoteAddress ?? '', maxPerAddress).then((admitted) => {
      if (!admitted) {
        socket.end('* BYE Too many connections from your address\r\n');
        setTimeout(() => socket.destroy(), 1000).unref();
      } else if (!socket.destroyed) startSession(socket, secure);
    });
  };
  const startSession = (socket: Socket, secure: boolean) => {
    socket.setNoDelay(true);
    const session = new ImapSession(socket, base, secure);
    sessions.set(socket, session);
    // Implicit TLS: greet on the next turn, after the TLS 1.3 session tickets (see greetAfterTickets).
    // The map entry goes when the accepted socket closes (forget), which the session's end brings.
    if (secure) greetAfterTickets(runSession, session);
    else runSession(session);
  };
  const plain: Server = createServer(handle(false));
  const implicit: TlsServer = createTlsServer(tlsOptions, handle(true));
  // ~20 KiB less per idle IMAPS connection (core/lean-tls.ts); first, so the listeners below see raw sockets.
  leanTlsConnections(implicit);
  // A hard deadline: the server's handshakeTimeout is an idle timer a trickling peer resets.
  const handshakeDone = guardTlsHandshakes(implicit, base.peer.timeouts.tlsHandshakeMs);
  implicit.on('tlsClientError', () => undefined);
  // Behind a load balancer: the PROXY header comes first (before the TLS handshake on IMAPS).
  const proxyProtocol = proxyProtocolSettings();
  acceptProxyHeaders(plain, proxyProtocol, 'imap');
  acceptProxyHeaders(implicit, proxyProtocol, 'imaps');
  plain.listen(opts.port ?? settings.imapPort, host);
  implicit.listen(opts.tlsPort ?? settings.imapsPort, host);
  await Promise.all([once(plain, 'listening'), once(implicit, 'listening')]);
  const portOf = (server: Server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  };
  const ports = { imap: portOf(plain), imaps: portOf(implicit) };
  logger.info('imap listening', { host, ...ports });
  // A renewed certificate: IMAPS handshakes and STARTTLS (which reads tlsOptions) from now on use it.
  const stopReload = onTlsMaterialChange(({ cert, key }) => {
    Object.assign(tlsOptions, { cert, key });
    implicit.setSecureContext(tlsOptions);
  });
  // Other processes' changes are heard for as long as the server runs, not only while a folder is
  // selected here: the caches that hang on the poller (SELECT's folder state on MariaDB) then stay
  // valid across a client's reconnects and re-SELECTs. One small query per interval.
  const releasePoller = holdChangePoller();
  return {
    ports,
    async close() {
      stopReload();
      releasePoller();
      const closed = Promise.all([
        new Promise((resolve) => plain.close(resolve)),
        new Promise((resolve) => implicit.close(resolve)),
      ]);
      // Sessions say BYE and close; sockets without one (still greeting, or in a TLS handshake)
      // and peers that do not close their side are cut a moment later.
      for (const session of sessions.values()) session.shutdown();
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 1000);
      for (const socket of sockets) if (sessions.get(socket)?.closed !== false) socket.destroy();
      await closed;
      clearTimeout(cut);
    },
  };
}
