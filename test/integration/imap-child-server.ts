// Started by imap-concurrent.test.ts as a second worker process on the same database: runs an
// IMAP server on ephemeral ports, prints them as one JSON line, and exits when stdin closes.
import { startImapServers } from '../../server/imap';
import { closeDb } from '../../server/core/db';

const servers = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
process.stdout.write(`${JSON.stringify(servers.ports)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void servers
    .close()
    .then(() => closeDb())
    .then(() => process.exit(0));
});
