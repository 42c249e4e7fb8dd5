// PROXY protocol on the mail listeners: a connection from an address in POSTROOM_PROXY_PROTOCOL_FROM
// (CIDRs; unset means off) must begin with a PROXY header (v1 or v2), read within a deadline and a
// size cap; the client it names then stands as the socket's remote address, so access rules,
// throttling, connection limits, logs and Received headers see the client, not the proxy. Any other
// peer is never asked for a header: what it sends is protocol input as usual.
import { BlockList, isIP, type Server, type Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { logger } from './logger';
import { parseProxyHeader, V1_MAX_BYTES, V2_MAX_BYTES, type ProxiedPeer } from './proxy-header';

export type { ProxiedPeer } from './proxy-header';

export interface ProxyProtocolSettings {
  from: BlockList;
  timeoutMs: number;
}

/** Read when a listener starts; a malformed entry stops the start rather than being skipped. */
export function proxyProtocolSettings(): ProxyProtocolSettings | null {
  const raw = process.env.POSTROOM_PROXY_PROTOCOL_FROM?.trim();
  if (!raw) return null;
  const from = new BlockList();
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : null;
    const prefix = bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits);
    const max = type === 'ipv6' ? 128 : 32;
    if (!type || !Number.isInteger(prefix) || prefix < 0 || prefix > max || bits === '')
      throw new Error(`POSTROOM_PROXY_PROTOCOL_FROM: "${entry}" is not an address or CIDR`);
    from.addSubnet(address, prefix, type);
  }
  const seconds = Number(process.env.POSTROOM_PROXY_PROTOCOL_TIMEOUT || 5);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error('POSTROOM_PROXY_PROTOCOL_TIMEOUT must be a positive number of seconds');
  return { from, timeoutMs: seconds * 1000 };
}

/** Whether `address` (as a socket reports it, maybe ::ffff:-mapped) may send a PROXY header. */
export function mustSendProxyHeader(settings: ProxyProtocolSettings, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return settings.from.check(mapped, 'ipv4') || settings.from.check(address, 'ipv6');
  return settings.from.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Reads the PROXY header off `socket` and leaves every byte after it unread for whoever reads next
 * (the protocol server, or a TLS handshake). Null means the connection's own address stands (LOCAL,
 * UNKNOWN). Rejects on a malformed or oversized header, a peer that closes, or the deadline.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxiedPeer | null> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('no complete PROXY header in time')), timeoutMs);
    const finish = (error: Error | null, peer: ProxiedPeer | null = null, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', finish);
      if (rest?.length) socket.unshift(rest);
      if (error) reject(error);
      else resolve(peer);
    };
    const onEnd = () => finish(new Error('closed before a complete PROXY header'));
    const onReadable = () => {
      for (let chunk = socket.read() as Buffer | null; chunk; chunk = socket.read() as Buffer | null) {
        buffered = Buffer.concat([buffered, chunk]);
        const parsed = parseProxyHeader(buffered);
        if (parsed.kind === 'invalid') return finish(new Error(`bad PROXY header: ${parsed.reason}`));
        if (parsed.kind === 'done') return finish(null, parsed.peer, buffered.subarray(parsed.length));
        if (buffered.length > Math.max(V1_MAX_BYTES, V2_MAX_BYTES))
          return finish(new Error('PROXY header too long'));
      }
    };
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', finish);
  });
}

/** The client's address stands in for the proxy's on this socket (and on a TLS socket over it). */
export function presentAs(socket: Socket, peer: ProxiedPeer): void {
  for (const [name, value] of [
    ['remoteAddress', peer.address],
    ['remotePort', peer.port],
    ['remoteFamily', peer.family],
  ] as const)
    Object.defineProperty(socket, name, { value, configurable: true, enumerable: true });
  proxied.set(socket, peer);
}

const proxied = new WeakMap<Socket, ProxiedPeer>();

/**
 * Makes `server` (a net or TLS listener) read the PROXY header of an allowed peer before any of its
 * connection handlers see the socket: a TLS listener's handshake then starts after the header, as
 * the spec has it. A peer that fails to send a valid header is dropped without a word (it is a
 * proxy, not a client). Call once, after every 'connection' handler is attached.
 */
export function acceptProxyHeaders(
  server: Server | TlsServer,
  settings: ProxyProtocolSettings | null,
  label: string,
): void {
  if (!settings) return;
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const pass = () => {
      for (const handler of handlers) handler.call(server, socket);
    };
    if (!mustSendProxyHeader(settings, socket.remoteAddress)) return pass();
    const proxy = socket.remoteAddress;
    readProxyHeader(socket, settings.timeoutMs).then(
      (peer) => {
        if (socket.destroyed) return;
        if (peer) presentAs(socket, peer);
        pass();
      },
      (error: Error) => {
        logger.info('proxy protocol: connection dropped', { listener: label, proxy, reason: error.message });
        socket.on('error', () => undefined);
        socket.destroy();
      },
    );
  });
  // A TLS socket over a proxied socket reports the native handle's (the proxy's) address: correct it.
  if ('setSecureContext' in server)
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      const parent = (socket as TLSSocket & { _parent?: Socket })._parent;
      const peer = parent && proxied.get(parent);
      if (peer) presentAs(socket, peer);
    });
}
