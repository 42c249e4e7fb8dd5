// A loopback port free at the moment of asking, for the servers a test starts on ports it must
// name in advance. Picked below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by
// default): a port there may be handed to any outgoing connection as its source port before the
// server binds it, and a Galera joiner's rsync daemon failed to start that way under load.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 20_000;

function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const start = Number(low);
    return Number.isInteger(start) && start > LOWEST + 1000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

const highest = ephemeralStart() - 1;

function tryListen(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound || null));
    });
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    const bound = await tryListen(port);
    if (bound) return bound;
  }
  // Nothing free down there (unlikely): the kernel's pick, as before.
  const bound = await tryListen(0);
  if (!bound) throw new Error('no free loopback port');
  return bound;
}
