// The console's batch of IMAP imports (server/migrate-in/imap-batch.ts) below the page: the CSV's
// per-row refusals, a domain admin limited to target mailboxes in their domains, only the starting
// admin sees the batch, passwords never in what the page gets, an unreachable source fails plainly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { type Actor, addDomain, addMailbox } from '../../server/domain';
import { getImportBatch, parseImportCsv, startImportBatch } from '../../server/migrate-in';
import type { ImportBatchStatus } from '../../server/migrate-in/imap-batch';

let testDb: TestDatabase;
const DOMAIN_ADMIN: Actor = { name: 'boss@one.test', role: 'domain_admin', domains: ['one.test'] };
const OTHER_ADMIN: Actor = { name: 'other@one.test', role: 'domain_admin', domains: ['one.test'] };

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('one.test');
  await addDomain('two.test');
  await addMailbox({ address: 'ann@one.test', password: 'Ann-long-password-1' });
  await addMailbox({ address: 'bob@two.test', password: 'Bob-long-password-1' });
});
after(async () => {
  await testDb.cleanup();
});

test('the CSV: optional header, passwords kept as written, unusable lines and empty fields named', () => {
  const rows = parseImportCsv(
    'login,password,target\nann@old.test, spaced pw ,ann@one.test\nbad\nx@old.test,,ann@one.test\n,pw,ann@one.test\n',
  );
  assert.deepEqual(
    rows.map((r) => [r.line, r.login, r.password, r.target, r.error]),
    [
      [2, 'ann@old.test', ' spaced pw ', 'ann@one.test', undefined],
      [3, 'bad', '', '', 'line: has 1 field(s); expected source login, password, target mailbox'],
      [4, 'x@old.test', '', 'ann@one.test', 'password: is empty'],
      [5, '', 'pw', 'ann@one.test', 'login: is empty'],
    ],
  );
  assert.throws(() => parseImportCsv(''), /file: has no rows/);
  assert.throws(() => parseImportCsv('"open,quote'), /file: is not a readable CSV file/);
});

async function finished(id: string, actor: Actor): Promise<ImportBatchStatus> {
  for (let i = 0; i < 200; i++) {
    const batch = getImportBatch(id, actor)!;
    if (batch.finished) return batch;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the batch never finished');
}

test("a domain admin imports only into their domains' mailboxes; the batch is theirs alone", async () => {
  // A port that accepts and closes at once: the source "server" hangs up.
  const closer: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
  const port = (closer.address() as { port: number }).port;
  try {
    const rows = parseImportCsv(
      'a@old.test,Secret-1,ann@one.test\nb@old.test,Secret-2,bob@two.test\nc@old.test,Secret-3,nobody@one.test',
    );
    const started = await startImportBatch(
      { host: '127.0.0.1', port, tls: 'implicit', insecure: true },
      rows,
      DOMAIN_ADMIN,
    );
    assert.deepEqual(
      started.rows.map((r) => [r.line, r.state === 'running' ? 'waiting' : r.state, r.error]),
      [
        [1, 'waiting', undefined],
        [2, 'refused', 'target: not allowed to manage two.test'],
        [3, 'refused', 'target: there is no mailbox nobody@one.test here'],
      ],
    );
    assert.equal(getImportBatch(started.id, OTHER_ADMIN), undefined);
    assert.equal(getImportBatch('no-such-batch', DOMAIN_ADMIN), undefined);
    const done = await finished(started.id, DOMAIN_ADMIN);
    assert.equal(done.rows[0]!.state, 'failed');
    assert.ok(done.rows[0]!.error, 'a failed row says why');
    assert.doesNotMatch(JSON.stringify(done), /Secret-/);
  } finally {
    closer.close();
  }
});
