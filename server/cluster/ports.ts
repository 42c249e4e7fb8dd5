// Port 0 ("any free port", as tests and benches ask) cannot be left to each child: cluster shares a
// listening socket between children by address, port and the order of their listen() calls, and
// the children start their listeners in no fixed order, so two of them could pair one child's
// SMTP with another's IMAP. The primary picks the free ports once, before forking.
import { createServer, type Server } from 'node:net';

export const PORT_VARIABLES = [
  'POSTROOM_SMTP_PORT',
  'POSTROOM_SUBMISSION_PORT',
  'POSTROOM_SMTPS_PORT',
  'POSTROOM_IMAP_PORT',
  'POSTROOM_IMAPS_PORT',
  'POSTROOM_POP3_PORT',
  'POSTROOM_POP3S_PORT',
  'POSTROOM_MANAGESIEVE_PORT',
] as const;

function listenOnAnyPort(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

/** Replaces every port variable set to 0 by a free port on `host`, all distinct. */
export async function pinEphemeralPorts(host: string): Promise<void> {
  const wanted = PORT_VARIABLES.filter((name) => process.env[name] === '0');
  // All held open at once so the kernel hands out distinct ports, then closed for the children.
  const servers = await Promise.all(wanted.map(() => listenOnAnyPort(host)));
  wanted.forEach((name, index) => {
    const address = servers[index]!.address();
    if (typeof address === 'object' && address) process.env[name] = String(address.port);
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
}
