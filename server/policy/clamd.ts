// ClamAV's clamd over its INSTREAM command (clamd(8)): the message goes in length-prefixed
// chunks, the reply is "stream: OK" or "stream: <name> FOUND".
import { connect, type Socket } from 'node:net';

export type ClamdResult = { clean: true } | { clean: false; virus: string };

/** `target` is a Unix socket path or host:port. */
export function scanWithClamd(target: string, message: Buffer, timeoutMs = 30_000): Promise<ClamdResult> {
  return new Promise((resolve, reject) => {
    const hostPort = /^([^/][^:]*):(\d+)$/.exec(target);
    const socket: Socket = hostPort ? connect(Number(hostPort[2]), hostPort[1]) : connect(target);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('clamd timed out')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const reply = Buffer.concat(chunks).toString('utf8').replace(/\0/g, '').trim();
      const found = /^stream: (.+) FOUND$/.exec(reply);
      if (found) return resolve({ clean: false, virus: found[1]! });
      if (/^stream: OK$/.test(reply)) return resolve({ clean: true });
      reject(new Error(`clamd: ${reply || 'no reply'}`));
    });
    socket.on('connect', () => {
      socket.write('zINSTREAM\0');
      for (let offset = 0; offset < message.length; offset += 64 * 1024) {
        const part = message.subarray(offset, offset + 64 * 1024);
        const size = Buffer.alloc(4);
        size.writeUInt32BE(part.length);
        socket.write(size);
        socket.write(part);
      }
      socket.end(Buffer.alloc(4));
    });
  });
}
