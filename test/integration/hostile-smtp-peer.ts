// Remote "mail servers" that misbehave on purpose, for the outbound queue: a plain net.Server that
// speaks just enough SMTP to get where it wants to be rude. It counts connections, the most open
// at once and the open ones, so tests can see a stall is still holding while other mail flows.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type Misbehaviour =
  /** Takes the whole message, then drops the connection instead of answering the final dot. */
  | 'abort-after-dot'
  /** Accepts the TCP connection and never says a word (no greeting). */
  | 'silent'
  /** Greets and answers EHLO, then answers MAIL FROM one byte a second. */
  | 'trickle'
  /** Sends an endless multiline greeting. */
  | 'flood';

export interface HostilePeer {
  port: number;
  connections: number;
  open: number;
  mostOpen: number;
  /** Messages taken in full before the drop (abort-after-dot). */
  messagesTaken: number;
  close(): Promise<void>;
}

function speak(socket: Socket, peer: HostilePeer, how: Misbehaviour): void {
  const timers: NodeJS.Timeout[] = [];
  socket.on('close', () => timers.forEach(clearInterval));
  socket.on('error', () => undefined);
  if (how === 'silent') return;
  if (how === 'flood') {
    const line = `220-${'flood '.repeat(60)}\r\n`;
    const pump = () => {
      while (!socket.destroyed && socket.write(line));
    };
    socket.on('drain', pump);
    pump();
    return;
  }
  socket.write('220 hostile.example ESMTP\r\n');
  let buffered = '';
  let inData = false;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    if (inData) {
      if (!buffered.includes('\r\n.\r\n')) return;
      peer.messagesTaken += 1;
      socket.destroy();
      return;
    }
    for (let end = buffered.indexOf('\r\n'); end !== -1; end = buffered.indexOf('\r\n')) {
      const command = buffered.slice(0, end).toUpperCase();
      buffered = buffered.slice(end + 2);
      if (command.startsWith('EHLO') || command.startsWith('HELO')) socket.write('250 hostile.example\r\n');
      else if (command.startsWith('MAIL') && how === 'trickle') {
        const reply = Buffer.from('250 2.1.0 Sender ok, eventually\r\n');
        let sent = 0;
        timers.push(
          setInterval(() => {
            if (sent < reply.length) socket.write(reply.subarray(sent, ++sent));
          }, 1000),
        );
      } else if (command.startsWith('MAIL') || command.startsWith('RCPT')) socket.write('250 2.0.0 ok\r\n');
      else if (command === 'DATA') {
        socket.write('354 go ahead\r\n');
        inData = true;
        return;
      } else if (command === 'QUIT') socket.end('221 2.0.0 bye\r\n');
      else socket.write('502 5.5.1 not here\r\n');
    }
  });
}

export async function startHostilePeer(how: Misbehaviour): Promise<HostilePeer> {
  const sockets = new Set<Socket>();
  const peer: HostilePeer = {
    port: 0,
    connections: 0,
    open: 0,
    mostOpen: 0,
    messagesTaken: 0,
    close: async () => {},
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    peer.connections += 1;
    peer.open += 1;
    peer.mostOpen = Math.max(peer.mostOpen, peer.open);
    socket.on('close', () => {
      sockets.delete(socket);
      peer.open -= 1;
    });
    speak(socket, peer, how);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  peer.port = (server.address() as AddressInfo).port;
  peer.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return peer;
}
