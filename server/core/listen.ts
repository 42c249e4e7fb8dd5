// Listening on a port (0 picks a free one): resolves with the port actually bound, rejects on
// EADDRINUSE and the like instead of leaving an 'error' event unheard.
import type { Server } from 'node:net';

export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
