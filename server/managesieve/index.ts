// The ManageSieve listener (RFC 5804): one port (POSTROOM_MANAGESIEVE_PORT, 4190) with STARTTLS;
// logins need TLS unless POSTROOM_MANAGESIEVE_ALLOW_PLAIN_AUTH=1. Connections per client address
// are limited across worker processes (POSTROOM_MANAGESIEVE_MAX_CONN_PER_IP, 10).
import { createServer, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { config } from '../core/config';
import { listenOn } from '../core/listen';
import { logger } from '../core/logger';
import { tlsServerOptions } from '../core/tls';
import { onTlsMaterialChange } from '../core/tls-reload';
import { acceptProxyHeaders, proxyProtocolSettings } from '../core/proxy-protocol';
import { limitFromEnv, peerTimeouts } from '../core/connection-limits';
import { SharedConnectionCounter } from '../cluster/shared-counter';
import { sieveLimits } from '../rules';
import { authCommands, greet } from './commands-auth';
import { scriptCommands } from './commands-scripts';
import { ManageSieveSession, type ManageSieveOptions } from './session';
import { response } from './wire';

const COMMANDS = { ...authCommands, ...scriptCommands };

export interface ManageSieveServerOptions {
  host?: string;
  port?: number;
  allowPlainAuth?: boolean;
  idleTimeoutMs?: number;
}

export interface ManageSieveServers {
  ports: { managesieve: number };
  close(): Promise<void>;
}

export async function startManageSieveServers(
  opts: ManageSieveServerOptions = {},
): Promise<ManageSieveServers> {
  const settings = config();
  const host = opts.host ?? settings.listen;
  const secureContext = createSecureContext(await tlsServerOptions());
  const options: ManageSieveOptions = {
    allowPlainAuth: opts.allowPlainAuth ?? process.env.POSTROOM_MANAGESIEVE_ALLOW_PLAIN_AUTH === '1',
    secureContext,
    // Idle sessions end with BYE after 10 minutes, as POP3's autologout.
    idleTimeoutMs: opts.idleTimeoutMs ?? 10 * 60_000,
    timeouts: peerTimeouts(),
    // A PUTSCRIPT literal: the script limit and room for its syntax.
    maxLiteralBytes: sieveLimits().maxScriptBytes + 1024,
  };
  const perAddress = new SharedConnectionCounter('managesieve');
  const maxPerAddress = limitFromEnv('POSTROOM_MANAGESIEVE_MAX_CONN_PER_IP', 10);
  const sessions = new Set<ManageSieveSession>();
  const open = async (socket: Socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // a reset while the count is asked
    const release = await perAddress.acquire(socket.remoteAddress ?? '', maxPerAddress);
    if (release && socket.destroyed) return release();
    if (!release) {
      socket.end(`${response('BYE', 'Too many connections from your address', 'TRYLATER')}\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const session = new ManageSieveSession(socket, false, options, COMMANDS, greet);
    sessions.add(session);
    void session.closedPromise.then(() => {
      sessions.delete(session);
      release();
    });
  };
  const server = createServer((socket) => void open(socket));
  acceptProxyHeaders(server, proxyProtocolSettings(), 'managesieve');
  server.on('error', (error) => logger.error('managesieve listener error', { error: error.message }));
  const port = await listenOn(server, opts.port ?? settings.manageSievePort, host);
  logger.info('managesieve listening', { host, managesieve: port });
  // A renewed certificate: STARTTLS from now on uses it (sessions read options.secureContext then).
  const stopReload = onTlsMaterialChange(({ cert, key }) => {
    options.secureContext = createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  });
  return {
    ports: { managesieve: port },
    async close() {
      stopReload();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const open = [...sessions];
      for (const session of open) session.destroy();
      await Promise.all(open.map((session) => session.closedPromise));
      await stopped;
    },
  };
}
