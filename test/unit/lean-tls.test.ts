// An implicit-TLS listener whose TLS runs over a JavaScript stream (server/core/lean-tls.ts): data
// both ways intact, the peer's addresses as before, and every way a connection can end closes both
// the TLS socket and the socket under it (a socket left open there would be a leak per connection).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { connect as connectTls, createServer, type Server, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { leanTlsConnections, leanTlsSupported } from '../../server/core/lean-tls';

let server: Server;
let port: number;
const rawOpen = new Set<Socket>();
const tlsOpen = new Set<TLSSocket>();
const seen: { remoteAddress?: string; remotePort?: number; localPort?: number }[] = [];

before(async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
  server = createServer({ key: pems.private, cert: pems.cert });
  leanTlsConnections(server);
  server.on('connection', (raw: Socket) => {
    rawOpen.add(raw);
    raw.on('close', () => rawOpen.delete(raw));
  });
  server.on('tlsClientError', () => undefined);
  server.on('secureConnection', (socket: TLSSocket) => {
    tlsOpen.add(socket);
    seen.push({
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      localPort: socket.localPort,
    });
    socket.on('close', () => tlsOpen.delete(socket));
    socket.on('error', () => undefined);
    const hash = createHash('sha256');
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (text.startsWith('QUIT')) socket.end('bye\r\n');
      else if (text.startsWith('DROP')) socket.destroy();
      else if (text.startsWith('SEND ')) socket.write(Buffer.alloc(Number(text.slice(5)), 'x'));
      else if (text.startsWith('UPLOAD ')) received = -Number(text.slice(7));
      else if (received < 0) {
        hash.update(chunk);
        received += chunk.length;
        if (received === 0) socket.write(`${hash.digest('hex')}\r\n`);
      } else socket.write(`echo ${text}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(() => server.close());

async function client(): Promise<TLSSocket> {
  const socket = connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false });
  socket.on('error', () => undefined);
  await once(socket, 'secureConnect');
  return socket;
}

async function read(socket: TLSSocket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** Both sets empty, or why not after two seconds. */
async function allClosed(): Promise<void> {
  const deadline = Date.now() + 2000;
  while (rawOpen.size + tlsOpen.size > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual({ raw: rawOpen.size, tls: tlsOpen.size }, { raw: 0, tls: 0 });
}

test('on this Node the TLS sockets run over the stream (else a Node upgrade silently costs the memory back)', () => {
  assert.equal(leanTlsSupported(), true);
});

test('data goes both ways intact, and the TLS socket reports the peer as the socket does', async () => {
  const socket = await client();
  socket.write('hello\r\n');
  assert.equal((await read(socket, 12)).toString(), 'echo hello\r\n');
  const last = seen.at(-1)!;
  assert.equal(last.remoteAddress, '127.0.0.1');
  assert.equal(last.remotePort, socket.localPort);
  assert.equal(last.localPort, port);
  // 3 MB down and 3 MB up: several TLS records and stream back-pressure on both sides.
  socket.write('SEND 3000000');
  assert.equal((await read(socket, 3_000_000)).length, 3_000_000);
  const upload = Buffer.alloc(3_000_000, 'y');
  socket.write('UPLOAD 3000000');
  await new Promise((r) => setTimeout(r, 50));
  socket.write(upload);
  const digest = (await read(socket, 66)).toString().trim();
  assert.equal(digest, createHash('sha256').update(upload).digest('hex'));
  socket.end();
  await allClosed();
});

test('every ending closes both sockets: client end, client destroy, reset, server end, server destroy', async () => {
  const ended = await client();
  ended.end();
  await allClosed();

  (await client()).destroy();
  await allClosed();

  // A reset under the TLS: the raw socket is aborted with RST.
  const raw = connectTcp({ port, host: '127.0.0.1' });
  await once(raw, 'connect');
  const overRaw = connectTls({ socket: raw, rejectUnauthorized: false });
  overRaw.on('error', () => undefined);
  await once(overRaw, 'secureConnect');
  raw.resetAndDestroy();
  await allClosed();

  const quitting = await client();
  quitting.write('QUIT\r\n');
  assert.equal((await read(quitting, 5)).toString(), 'bye\r\n');
  quitting.end();
  await allClosed();

  const dropped = await client();
  dropped.write('DROP\r\n');
  await once(dropped, 'close');
  await allClosed();
});

test('a peer that sends no TLS at all is closed, and so is one that leaves mid-handshake', async () => {
  const garbage = connectTcp({ port, host: '127.0.0.1' });
  garbage.on('error', () => undefined);
  garbage.write('GET / HTTP/1.0\r\n\r\n');
  await once(garbage, 'close');
  await allClosed();

  const leaver = connectTcp({ port, host: '127.0.0.1' });
  await once(leaver, 'connect');
  leaver.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40])); // a record header, then nothing
  await new Promise((r) => setTimeout(r, 50));
  leaver.destroy();
  await allClosed();
});
