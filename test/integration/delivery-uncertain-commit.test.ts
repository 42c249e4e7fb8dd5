// A delivery whose COMMIT reached MariaDB but whose answer never came back (the connection lost
// during COMMIT, as when a Galera node or a proxy in front of it dies): the outcome is unknown, so
// nothing may run the append again. A TCP proxy between the store and MariaDB forwards one COMMIT
// and then cuts the client's side before the answer: MariaDB commits, the store hears a lost
// connection. Asserted: the message is stored at most once, whatever the delivery answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';

const onMysql = (process.env.POSTROOM_TEST_DB ?? 'sqlite') === 'mysql';
const realAdmin = new URL(process.env.POSTROOM_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');

/** Cuts the client's side of the first COMMIT it sees after arm(), once it has passed it on. */
class CommitCutter {
  server: Server;
  armed = false;
  cuts = 0;
  private readonly sockets = new Set<Socket>();
  constructor() {
    this.server = createServer((client) => {
      const upstream = connect({ host: realAdmin.hostname, port: Number(realAdmin.port || 3306) });
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        // A COM_QUERY packet: 3-byte length, sequence, 0x03, then the statement.
        if (
          this.armed &&
          chunk.length >= 5 &&
          chunk[4] === 0x03 &&
          /^commit\b/i.test(chunk.subarray(5).toString())
        ) {
          this.armed = false;
          this.cuts++;
          // The client hears nothing more; MariaDB keeps its side long enough to commit.
          client.destroy();
          setTimeout(() => upstream.destroy(), 1000);
        }
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!client.destroyed) client.write(chunk);
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => {
        if (!this.cuts || !upstream.destroyed) setTimeout(() => upstream.destroy(), 1000);
      });
      upstream.on('close', () => client.destroy());
    });
  }
  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)),
    );
  }
  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }
}

let cutter: CommitCutter;
// biome-ignore lint/suspicious/noExplicitAny: the helpers are imported once the proxy's address is set
let testDb: any;

before(async () => {
  if (!onMysql) return;
  cutter = new CommitCutter();
  const port = await cutter.listen();
  // Everything the process does with the database goes through the proxy (set before the
  // helpers read the address).
  const proxied = new URL(realAdmin.href);
  proxied.host = `127.0.0.1:${port}`;
  process.env.POSTROOM_TEST_MYSQL_URL = proxied.href.replace(/\/$/, '');
  const { createTestDatabase } = await import('../helpers/db');
  testDb = await createTestDatabase();
});

after(async () => {
  if (!onMysql) return;
  await testDb?.cleanup();
  cutter.close();
});

test('a delivery whose COMMIT was lost on the way back is not stored a second time', {
  skip: onMysql ? false : 'MariaDB only (a lost COMMIT answer)',
}, async () => {
  const { addDomain, addMailbox } = await import('../../server/domain');
  const { deliverLocal } = await import('../../server/delivery');
  const { rawDb } = await import('../../server/store/raw');
  await addDomain('example.org');
  const user = await addMailbox({ address: 'alice@example.org', password: 'Correct-horse-9-battery' });
  const target = { userId: user.id, address: 'alice@example.org' };
  const message = (subject: string) =>
    Buffer.from(
      `Subject: ${subject}\r\nFrom: a@example.net\r\nMessage-ID: <${subject}@example.net>\r\n\r\nbody\r\n`,
    );
  // A first delivery as usual (its folder is then known to the delivery code).
  await deliverLocal(message('first'), [target]);

  cutter.armed = true;
  const outcome = await deliverLocal(message('cut'), [target]).then(
    (result) => `delivered to ${result.delivered.length}`,
    (error: Error) => `failed: ${error.name}: ${error.message}`,
  );
  assert.equal(cutter.cuts, 1, 'the proxy cut one COMMIT');
  // MariaDB finishes the cut COMMIT on its side.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rows = await rawDb().read<{ id: number; uid: number }>(
    "SELECT id, uid FROM messages WHERE message_id IN ('<cut@example.net>', 'cut@example.net') ORDER BY id",
  );
  console.log(
    `lost COMMIT answer: the delivery ${outcome}; rows stored: ${rows.map((row) => `id ${row.id} uid ${row.uid}`).join(', ')}`,
  );
  assert.equal(rows.length, 1, `stored ${rows.length} times (the delivery ${outcome})`);
});
