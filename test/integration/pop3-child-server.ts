// Started by pop3-processes.test.ts as a second worker process on the same database: runs a POP3
// server on ephemeral ports, prints them as one JSON line, and exits when stdin closes.
import { startPop3Servers } from '../../server/pop3';
import { closeDb } from '../../server/core/db';

const servers = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
process.stdout.write(`${JSON.stringify(servers.ports)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void servers
    .close()
    .then(() => closeDb())
    .then(() => process.exit(0));
});
