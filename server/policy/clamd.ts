// ClamAV's clamd over its INSTREAM command (clamd(8)): the message goes in length-prefixed
// chunks, the reply is "stream: OK" or "stream: <name> FOUND". The message is read from a stream
// (the spool file) as clamd takes it, so a large one is never held in memory whole.
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

export type ClamdResult = { clean: true } | { clean: false; virus: string };

/** clamd's default StreamMaxLength is 25 MiB; each chunk is at most this. */
const CHUNK_BYTES = 64 * 1024;

/** `target` is a Unix socket path or host:port; `message` a Buffer or a stream of the message. */
export function scanWithClamd(
  target: string,
  message: Buffer | Readable,
  timeoutMs = 30_000,
): Promise<ClamdResult> {
  return new Promise((resolve, reject) => {
    const hostPort = /^([^/][^:]*):(\d+)$/.exec(target);
    const socket: Socket = hostPort ? connect(Number(hostPort[2]), hostPort[1]) : connect(target);
    const chunks: Buffer[] = [];
    const fail = (error: Error) => {
      if (!Buffer.isBuffer(message)) message.destroy();
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error('clamd timed out')));
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const reply = Buffer.concat(chunks).toString('utf8').replace(/\0/g, '').trim();
      const found = /^stream: (.+) FOUND$/.exec(reply);
      if (found) return resolve({ clean: false, virus: found[1]! });
      if (/^stream: OK$/.test(reply)) return resolve({ clean: true });
      fail(new Error(`clamd: ${reply || 'no reply'}`));
    });
    socket.on('connect', () => {
      socket.write('zINSTREAM\0');
      void sendChunks(socket, message).then(
        () => socket.end(Buffer.alloc(4)),
        (error: Error) => fail(error),
      );
    });
  });
}

async function sendChunks(socket: Socket, message: Buffer | Readable): Promise<void> {
  const source = Buffer.isBuffer(message) ? [message] : message;
  for await (const piece of source) {
    const bytes = piece as Buffer;
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      const part = bytes.subarray(offset, offset + CHUNK_BYTES);
      const size = Buffer.alloc(4);
      size.writeUInt32BE(part.length);
      socket.write(size);
      // Wait while clamd is slower than the disk: nothing piles up in the socket's buffer.
      if (!socket.write(part)) await waitForDrain(socket);
    }
  }
}

function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('clamd closed the connection'));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}
