// Relayed mail is streamed from its blob file to the remote server, never read into memory whole:
// a 40 MiB queued message goes to a remote (a raw-socket SMTP server written here) that stops
// reading after the first MiB while this process's buffer memory is sampled (the old way held the
// message and a dot-stuffed copy, 80 MiB). The remote gets every byte dot-stuffed, the SIZE the
// message has and BODY=8BITMIME for its 8-bit line. A dot-stuffing unit test is in test/unit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { db } from '../../server/core/db';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { enqueueMessage, startQueueRunner } from '../../server/queue';

const SIZE = 40 * 1024 * 1024;
const STALL_AFTER = 1024 * 1024;
let database: TestDatabase;
const servers: Server[] = [];

before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  for (const server of servers) server.close();
  await database.cleanup();
});

interface Received {
  mailFrom: string;
  bytes: number;
  sha: string;
}

/** An SMTP server that stalls its DATA after STALL_AFTER bytes until `resume`. */
function stallingRemote() {
  let stall!: () => void;
  let resume!: () => void;
  let done!: (value: Received) => void;
  const stalled = new Promise<void>((resolve) => (stall = resolve));
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  const received = new Promise<Received>((resolve) => (done = resolve));
  const server = createServer((socket: Socket) => {
    let inData = false;
    let line = '';
    let mailFrom = '';
    let bytes = 0;
    let tail = Buffer.alloc(0);
    let hash = createHash('sha256');
    let paused = false;
    socket.write('220 remote.example ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      if (inData) {
        hash.update(chunk);
        bytes += chunk.length;
        tail = Buffer.concat([tail, chunk.subarray(-5)]).subarray(-5);
        if (tail.equals(Buffer.from('\r\n.\r\n'))) {
          inData = false;
          // The hash covers the final dot line too; the count does not.
          done({ mailFrom, bytes: bytes - 3, sha: hash.digest('hex') });
          socket.write('250 2.0.0 queued\r\n');
        } else if (!paused && bytes >= STALL_AFTER) {
          paused = true;
          socket.pause();
          stall();
          void resumed.then(() => socket.resume());
        }
        return;
      }
      line += chunk.toString('latin1');
      for (let end = line.indexOf('\r\n'); end >= 0; end = line.indexOf('\r\n')) {
        const command = line.slice(0, end);
        line = line.slice(end + 2);
        const verb = command.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-remote.example\r\n250-SIZE 100000000\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL') {
          mailFrom = command;
          socket.write('250 2.1.0 ok\r\n');
        } else if (verb === 'RCPT') socket.write('250 2.1.5 ok\r\n');
        else if (verb === 'DATA') {
          socket.write('354 go on\r\n');
          inData = true;
          hash = createHash('sha256');
          // Whatever came with DATA in this chunk belongs to the message.
          const rest = Buffer.from(line, 'latin1');
          line = '';
          if (rest.length) socket.emit('data', rest);
          return;
        } else if (verb === 'QUIT') socket.end('221 2.0.0 bye\r\n');
        else socket.write('502 5.5.2 what\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  return { server, stalled, resume, received };
}

test('a 40 MiB relayed message is streamed from its file: memory stays flat while the remote stalls', {
  timeout: 120_000,
}, async () => {
  const remote = stallingRemote();
  await new Promise<void>((resolve) => remote.server.listen(0, '127.0.0.1', resolve));
  const port = (remote.server.address() as { port: number }).port;
  setDnsResolver(
    staticResolver({
      'big.example': { MX: [{ exchange: 'mx.big.example', priority: 10 }] },
      'mx.big.example': { A: ['127.0.0.1'] },
    }),
  );
  // Lines that start with a dot (stuffed on the wire) and one 8-bit line.
  const expected = await (async () => {
    const head = 'From: kim@foobar.com\r\nTo: r@big.example\r\nSubject: big\r\n\r\ncaf\u00e9\r\n';
    const lines = ['.leading dot\r\n', `${'b'.repeat(78)}\r\n`, '..two dots\r\n', `${'c'.repeat(60)}\r\n`];
    const parts = [Buffer.from(head, 'utf8')];
    let size = parts[0]!.length;
    for (let index = 0; size < SIZE; index++) {
      const piece = Buffer.from(lines[index % lines.length]!);
      parts.push(piece);
      size += piece.length;
    }
    const content = Buffer.concat(parts);
    const stuffed = Buffer.from(content.toString('latin1').replace(/^\./gm, '..'), 'latin1');
    await enqueueMessage({ sender: 'kim@foobar.com', recipients: ['r@big.example'], content });
    return {
      size: content.length,
      sha: createHash('sha256').update(stuffed).update('.\r\n').digest('hex'),
      bytes: stuffed.length,
    };
  })();
  const runner = await startQueueRunner({ pollMs: 100, hostPorts: { 'mx.big.example': port } });
  try {
    await remote.stalled;
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    for (const until = Date.now() + 800; Date.now() < until; ) {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    remote.resume();
    const received = await remote.received;
    assert.ok(
      peak < 16 * 1024 * 1024,
      `buffer memory rose ${(peak / 1048576).toFixed(1)} MiB while sending 40 MiB`,
    );
    assert.equal(received.bytes, expected.bytes);
    assert.equal(received.sha, expected.sha, 'every byte, dot-stuffed');
    assert.match(received.mailFrom, new RegExp(` SIZE=${expected.size}( |$)`));
    assert.match(received.mailFrom, / BODY=8BITMIME/);
    for (const deadline = Date.now() + 30_000; await db().queueEntry.count(); ) {
      if (Date.now() > deadline) throw new Error('the entry was not removed after the 250');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await runner.close();
  }
});
