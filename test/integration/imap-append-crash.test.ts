// Durability of APPEND: kill -9 an IMAP worker while a client streams APPENDs at it, then check
// that every APPEND answered OK is in the folder with its content readable.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { connect } from 'node:tls';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { db } from '../../server/core/db';
import { findDeliveryFolder, readBlob } from '../../server/store';

const PASSWORD = 'Correct-Horse-Battery-9';
let database: TestDatabase | undefined;
let worker: ChildProcess | undefined;

after(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await database?.cleanup();
});

test('kill -9 during APPENDs: every APPEND answered OK is stored and readable', {
  timeout: 120_000,
}, async () => {
  database = await createTestDatabase();
  await addDomain('foobar.com');
  const user = await addMailbox({ address: 'kim@foobar.com', password: PASSWORD });
  worker = spawn(process.execPath, ['--import', 'tsx', 'test/integration/imap-child-server.ts'], {
    env: { ...process.env, POSTROOM_LOG: 'silent' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: worker.stdout! }), 'line')) as [string];
  const { imaps } = JSON.parse(line) as { imaps: number };

  const socket = connect({ host: '127.0.0.1', port: imaps, rejectUnauthorized: false });
  let received = '';
  const acknowledged = new Set<number>();
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    for (const match of received.matchAll(/^a(\d+) OK/gm)) acknowledged.add(Number(match[1]));
  });
  socket.on('error', () => {}); // the worker dies under it
  const waitFor = async (pattern: RegExp) => {
    while (!pattern.test(received)) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await waitFor(/^\* OK/m);
  socket.write(`l LOGIN kim@foobar.com "${PASSWORD}"\r\n`);
  await waitFor(/^l OK/m);
  // APPENDs with LITERAL+ sent back to back; the worker is killed once 40 have been answered.
  for (let n = 1; n <= 400; n++) {
    const message = `From: a@example.net\r\nSubject: crash-${n}\r\nMessage-ID: <crash-${n}@example.net>\r\n\r\nBody ${n} ${'x'.repeat(2000)}\r\n`;
    socket.write(`a${n} APPEND INBOX {${Buffer.byteLength(message)}+}\r\n${message}\r\n`);
  }
  while (acknowledged.size < 40) await new Promise((resolve) => setTimeout(resolve, 1));
  worker.kill('SIGKILL');
  await once(worker, 'exit');
  socket.destroy();
  assert.ok(acknowledged.size < 400, 'the worker was killed before it answered every APPEND');

  const inbox = await findDeliveryFolder(user.id);
  const rows = await db().message.findMany({
    where: { folderId: inbox },
    select: { subject: true, blobSha256: true },
  });
  const stored = new Map(rows.map((row) => [row.subject, row.blobSha256]));
  for (const n of acknowledged) {
    const blob = stored.get(`crash-${n}`);
    assert.ok(blob, `APPEND a${n} was answered OK but is not stored`);
    assert.match((await readBlob(blob)).toString(), new RegExp(`Body ${n} x`));
  }
});
