// Implicit TLS with less memory per idle connection.
//
// Node's TLS over a socket's own native handle keeps, for the life of the connection, the buffer
// libuv asked for at the first read (64 KiB) in its encrypted-input ring. Over a JavaScript stream,
// each read offers only the bytes that came, so that ring stays at a few KiB. Measured on Node 20
// with 1,000 idle connections: ~52 KiB per bare TLS connection over the native handle, ~31 KiB over
// the stream below, for ~3 µs more CPU per small read and write. A server holds thousands of idle
// IMAP connections (clients keep one open in IDLE per folder they watch); that is where it counts.
import { Duplex } from 'node:stream';
import { Socket } from 'node:net';
import { TLSSocket, type Server as TlsServer, type TLSSocketOptions } from 'node:tls';

const streamOf = Symbol('postroom.socketStream');
type RawSocket = Socket & { [streamOf]?: SocketStream };

/**
 * A socket seen as a plain Duplex, which node:tls wraps in its JavaScript stream binding. It answers
 * for the socket's addresses (read when asked, so a PROXY header's correction shows through).
 * The listeners are shared functions, not closures: they cost nothing per connection.
 */
export class SocketStream extends Duplex {
  constructor(readonly raw: Socket) {
    super({ allowHalfOpen: true });
    (raw as RawSocket)[streamOf] = this;
    raw.on('data', onRawData);
    raw.on('end', onRawEnd);
    raw.on('error', onRawError);
    raw.on('close', onRawClose);
  }

  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.raw.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }
  get localPort(): number | undefined {
    return this.raw.localPort;
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.raw.write(chunk, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.raw.end(done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.raw.destroy();
    done(error);
  }
}

function onRawData(this: RawSocket, chunk: Buffer): void {
  if (!this[streamOf]!.push(chunk)) this.pause();
}

function onRawEnd(this: RawSocket): void {
  this[streamOf]!.push(null);
}

// A reset or a write to a gone peer: the connection is over. As an end of input the TLS socket above
// closes the ordinary way, as it would over its native handle, instead of an error it never sees.
function onRawError(this: RawSocket): void {
  this[streamOf]!.push(null);
}

function onRawClose(this: RawSocket): void {
  this[streamOf]!.destroy();
}

const peerFields = ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const;

/** The stream under a TLS socket that `leanTlsConnections` made, if it is one. */
function streamUnder(socket: TLSSocket): SocketStream | undefined {
  const handle = (socket as TLSSocket & { _handle?: { _parentWrap?: { stream?: unknown } } })._handle;
  const stream = handle?._parentWrap?.stream;
  return stream instanceof SocketStream ? stream : undefined;
}

let supported: boolean | undefined;

/**
 * Whether this Node lets us find the stream under a TLS socket (an internal path, checked once on a
 * throwaway socket). If a future Node moves it, TLS stays on the native handle: more memory per
 * connection, but every TLS socket still knows its peer's address (the per-address limits need it).
 */
export function leanTlsSupported(): boolean {
  if (supported === undefined) {
    const probe = new SocketStream(new Socket());
    const socket = new TLSSocket(probe, { isServer: true });
    supported = streamUnder(socket) === probe;
    socket.destroy();
    probe.destroy();
  }
  return supported;
}

/**
 * Makes an implicit-TLS listener run each connection's TLS over a SocketStream. Call it right after
 * creating the server, before other 'connection' listeners are added: those then see the raw socket
 * as before, and the TLS sockets it hands out report their peer's addresses as before.
 */
export function leanTlsConnections(server: TlsServer): void {
  if (!leanTlsSupported()) return;
  const handlers = server.listeners('connection') as ((socket: Duplex) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', function wrap(this: TlsServer, raw: Socket) {
    raw.setNoDelay(true); // a TLS socket over a stream cannot reach the descriptor to set it
    const stream = new SocketStream(raw);
    for (const handler of handlers) handler.call(this, stream);
  });
  // A TLS socket over a stream has no descriptor to ask for its addresses: give it the socket's.
  server.prependListener('secureConnection', (socket: TLSSocket) => presentAddresses(socket));
  server.prependListener('tlsClientError', (_error: Error, socket: TLSSocket) => presentAddresses(socket));
}

/**
 * A server-side TLS socket over `plain` through a SocketStream, for STARTTLS. Plaintext already read
 * and not yet taken is dropped, as the native upgrade drops it (RFC 3207 section 4.2 and its kin).
 */
export function leanTlsSocket(plain: Socket, options: TLSSocketOptions): TLSSocket {
  if (!leanTlsSupported()) return new TLSSocket(plain, { ...options, isServer: true });
  while (plain.read() !== null);
  const socket = new TLSSocket(new SocketStream(plain), { ...options, isServer: true });
  presentAddresses(socket);
  return socket;
}

function presentAddresses(socket: TLSSocket): void {
  const stream = streamUnder(socket);
  if (!stream) return;
  for (const name of peerFields)
    Object.defineProperty(socket, name, { value: stream[name], configurable: true, enumerable: true });
}
