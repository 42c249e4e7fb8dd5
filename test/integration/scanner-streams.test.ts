// The content scanners read a large message from its spool file as they send it, never holding it
// whole: a 48 MiB message goes to a clamd and an rspamd (fakes speaking their protocols) that stop
// reading after the first MiB while this process's buffer memory is sampled; reading the message
// into one Buffer (as before) held all 48 MiB. Every byte arrives, with the right length, and
// scanners that hang up mid-message or answer an error before reading defer the message (451).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanMessage, type MessageSource } from '../../server/smtp/scan';

const SIZE = 48 * 1024 * 1024;
const STALL_AFTER = 1024 * 1024;
let dir: string;
let file: string;
let digest: string;
const servers: (Server | HttpServer)[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'postroom-scan-'));
  file = join(dir, 'message.eml');
  const line = Buffer.from(`${'x'.repeat(76)}\r\n`);
  const body = Buffer.alloc(SIZE, 0);
  for (let offset = 0; offset + line.length <= SIZE; offset += line.length) line.copy(body, offset);
  Buffer.from('Subject: big\r\n\r\n').copy(body, 0);
  writeFileSync(file, body);
  digest = createHash('sha256').update(body).digest('hex');
});
after(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

const source: MessageSource = {
  size: SIZE,
  open: () => createReadStream(file, { highWaterMark: 256 * 1024 }),
};
const envelope = {
  ip: '192.0.2.1',
  helo: 'client.example',
  sender: 's@example.net',
  recipients: ['r@example.org'],
  queueId: 'Q1',
};

async function listen<T extends Server | HttpServer>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Peak growth of buffer memory (arrayBuffers) while `stalled` is pending, sampled every 5 ms. */
async function peakGrowthWhile(stalled: Promise<void>): Promise<number> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  }, 5);
  await stalled;
  clearInterval(timer);
  return peak;
}

/** clamd's INSTREAM, stalling after a MiB until `resume`; answers OK with the bytes and their hash. */
function fakeClamd(): {
  port: Promise<number>;
  stalled: Promise<void>;
  resume(): void;
  result: Promise<{ bytes: number; sha: string }>;
} {
  let stall!: () => void;
  let resume!: () => void;
  let finish!: (value: { bytes: number; sha: string }) => void;
  const stalled = new Promise<void>((resolve) => (stall = resolve));
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  const result = new Promise<{ bytes: number; sha: string }>((resolve) => (finish = resolve));
  const server = createServer((socket: Socket) => {
    const hash = createHash('sha256');
    let pending = Buffer.alloc(0);
    let command = true;
    let bytes = 0;
    let paused = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (command) {
        const end = pending.indexOf(0);
        if (end < 0) return;
        assert.equal(pending.subarray(0, end).toString(), 'zINSTREAM');
        pending = pending.subarray(end + 1);
        command = false;
      }
      while (pending.length >= 4) {
        const size = pending.readUInt32BE(0);
        if (size === 0) {
          finish({ bytes, sha: hash.digest('hex') });
          socket.end('stream: OK\0');
          return;
        }
        if (pending.length < 4 + size) break;
        hash.update(pending.subarray(4, 4 + size));
        bytes += size;
        pending = pending.subarray(4 + size);
      }
      if (!paused && bytes >= STALL_AFTER) {
        paused = true;
        socket.pause();
        stall();
        void resumed.then(() => socket.resume());
      }
    });
  });
  return { port: listen(server), stalled, resume, result };
}

test('clamd is fed from the spool file as it reads: memory stays flat while it stalls, every byte arrives', async () => {
  const clamd = fakeClamd();
  const port = await clamd.port;
  const scanning = scanMessage(source, envelope, {
    clamd: `127.0.0.1:${port}`,
    rspamdUrl: null,
    rspamdRejectScore: undefined,
  });
  const growth = await peakGrowthWhile(
    clamd.stalled.then(() => new Promise((resolve) => setTimeout(resolve, 500))),
  );
  clamd.resume();
  const result = await scanning;
  assert.equal(result.refuse, null);
  assert.deepEqual(await clamd.result, { bytes: SIZE, sha: digest });
  assert.ok(
    growth < 16 * 1024 * 1024,
    `buffer memory rose ${(growth / 1048576).toFixed(1)} MiB for a 48 MiB message`,
  );
});

test('rspamd gets the message streamed with its Content-Length: memory stays flat while it stalls', async () => {
  let stall!: () => void;
  let resume!: () => void;
  const stalled = new Promise<void>((resolve) => (stall = resolve));
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  let seen = { length: '', bytes: 0, sha: '' };
  const server = createHttpServer((request, response) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let paused = false;
    request.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (!paused && bytes >= STALL_AFTER) {
        paused = true;
        request.pause();
        stall();
        void resumed.then(() => request.resume());
      }
    });
    request.on('end', () => {
      seen = { length: String(request.headers['content-length']), bytes, sha: hash.digest('hex') };
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ action: 'add header', score: 7.5, required_score: 15 }));
    });
  });
  const port = await listen(server);
  const scanning = scanMessage(source, envelope, {
    clamd: null,
    rspamdUrl: `http://127.0.0.1:${port}`,
    rspamdRejectScore: undefined,
  });
  const growth = await peakGrowthWhile(
    stalled.then(() => new Promise((resolve) => setTimeout(resolve, 500))),
  );
  resume();
  const result = await scanning;
  assert.equal(result.refuse, null);
  assert.equal(result.junk, true);
  assert.match(result.headers, /^X-Spam-Score: 7\.50 \/ 15\.00\r\n/);
  assert.deepEqual(seen, { length: String(SIZE), bytes: SIZE, sha: digest });
  assert.ok(
    growth < 16 * 1024 * 1024,
    `buffer memory rose ${(growth / 1048576).toFixed(1)} MiB for a 48 MiB message`,
  );
});

test('a clamd that hangs up mid-message, or an rspamd that answers 500 before reading, defer it (451)', async () => {
  const dropper = createServer((socket) => {
    socket.once('data', () => setTimeout(() => socket.destroy(), 20));
  });
  const clamdPort = await listen(dropper);
  const clamd = await scanMessage(source, envelope, {
    clamd: `127.0.0.1:${clamdPort}`,
    rspamdUrl: null,
    rspamdRejectScore: undefined,
  });
  assert.equal(clamd.refuse?.code, 451);
  const refuser = createHttpServer((_request, response) => {
    response.statusCode = 500;
    response.end('no');
  });
  const rspamdPort = await listen(refuser);
  const rspamd = await scanMessage(source, envelope, {
    clamd: null,
    rspamdUrl: `http://127.0.0.1:${rspamdPort}`,
    rspamdRejectScore: undefined,
  });
  assert.equal(rspamd.refuse?.code, 451);
});
