// The rules store (server/rules): a mailbox's Sieve scripts on the real database, as ManageSieve
// and the webmail's Filters page use them: one active at most, the active one not deletable,
// names checked, limits kept; the administrator's script; the vacation memory's once-per-period.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox, removeMailbox, FieldError, NotFoundError } from '../../server/domain';
import {
  activateSieveScript,
  ActiveScriptError,
  claimVacationReply,
  deleteSieveScript,
  deliveryScripts,
  getAdminSieveScript,
  getSieveScript,
  listSieveScripts,
  putAdminSieveScript,
  putSieveScript,
  renameSieveScript,
  ScriptExistsError,
  sieveStatus,
} from '../../server/rules';
import { db } from '../../server/core/db';

let testDb: TestDatabase;
let alice: number;
let bob: number;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('rules.test');
  alice = (await addMailbox({ address: 'alice@rules.test', password: 'Alice-pw-1234!' })).id;
  bob = (await addMailbox({ address: 'bob@rules.test', password: 'Bob-pw-5678!x' })).id;
});
after(async () => {
  await testDb.cleanup();
});

const KEEP = 'require "fileinto";\nif header :contains "subject" "x" { fileinto "X"; }\n';

test('scripts are stored per mailbox, listed with size and state, one active at most', async () => {
  assert.deepEqual(await listSieveScripts(alice), []);
  assert.equal((await putSieveScript(alice, 'main', KEEP)).ok, true);
  assert.equal((await putSieveScript(alice, 'Main', 'keep;\n')).ok, true); // names are case-sensitive
  assert.equal((await putSieveScript(bob, 'main', 'keep;\n')).ok, true);
  assert.equal(await getSieveScript(alice, 'main'), KEEP);
  assert.equal(await getSieveScript(alice, 'MAIN'), null);
  const listed = await listSieveScripts(alice);
  assert.deepEqual(
    listed.map((s) => [s.name, s.active, s.size]),
    [
      ['Main', false, 6],
      ['main', false, Buffer.byteLength(KEEP)],
    ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
  );
  assert.equal(await deliveryScripts(alice), null);

  await activateSieveScript(alice, 'main');
  await activateSieveScript(alice, 'Main');
  const states = Object.fromEntries((await listSieveScripts(alice)).map((s) => [s.name, s.active]));
  assert.deepEqual(states, { Main: true, main: false });
  assert.deepEqual(await sieveStatus(alice), { activeScript: 'Main', vacation: false });
  assert.deepEqual((await deliveryScripts(alice))?.names, ['Main']);
  // Bob's scripts are his own: activating his does not touch Alice's.
  await activateSieveScript(bob, 'main');
  assert.equal((await sieveStatus(alice)).activeScript, 'Main');
  await assert.rejects(activateSieveScript(alice, 'nope'), NotFoundError);

  // Replacing the active script keeps it active.
  await putSieveScript(alice, 'Main', 'discard;\n');
  assert.equal((await sieveStatus(alice)).activeScript, 'Main');

  await assert.rejects(deleteSieveScript(alice, 'Main'), ActiveScriptError);
  await activateSieveScript(alice, null);
  assert.equal((await sieveStatus(alice)).activeScript, null);
  await deleteSieveScript(alice, 'Main');
  await assert.rejects(deleteSieveScript(alice, 'Main'), NotFoundError);
});

test('rename: to a free name, not onto another script, nor from a missing one', async () => {
  await putSieveScript(alice, 'one', 'keep;\n');
  await putSieveScript(alice, 'two', 'keep;\n');
  await activateSieveScript(alice, 'one');
  await renameSieveScript(alice, 'one', 'uno');
  assert.equal((await sieveStatus(alice)).activeScript, 'uno'); // the active flag follows the script
  await assert.rejects(renameSieveScript(alice, 'uno', 'two'), ScriptExistsError);
  await assert.rejects(renameSieveScript(alice, 'missing', 'three'), NotFoundError);
  await assert.rejects(renameSieveScript(alice, 'two', 'bad\nname'), FieldError);
});

test('bad names and oversized scripts are refused; nothing is stored', async () => {
  await assert.rejects(putSieveScript(alice, '', 'keep;'), FieldError);
  await assert.rejects(putSieveScript(alice, 'a\u0000b', 'keep;'), FieldError);
  await assert.rejects(putSieveScript(alice, 'x'.repeat(129), 'keep;'), FieldError);
  await assert.rejects(putSieveScript(alice, 'big', `# ${'x'.repeat(70_000)}\nkeep;`), FieldError);
  assert.equal(await getSieveScript(alice, 'big'), null);
  await assert.rejects(putSieveScript(999_999, 'main', 'keep;'), NotFoundError);
  // Unicode names are fine.
  assert.equal((await putSieveScript(alice, 'Größe ✉', 'keep;\n')).ok, true);
});

test('the administrator script runs first; removing it leaves the mailbox script alone', async () => {
  assert.equal(await getAdminSieveScript(), null);
  const result = await putAdminSieveScript('keep;\n');
  assert.equal(result?.ok, true);
  assert.equal(await getAdminSieveScript(), 'keep;\n');
  assert.deepEqual((await deliveryScripts(alice))?.names, ['admin', 'uno']);
  assert.deepEqual((await deliveryScripts(bob))?.names, ['admin', 'main']);
  assert.equal(await putAdminSieveScript(null), null);
  assert.equal(await getAdminSieveScript(), null);
  assert.deepEqual((await deliveryScripts(alice))?.names, ['uno']);
});

test('vacation memory: once per period per sender and handle, atomically, then again', async () => {
  const now = new Date('2026-12-07T10:00:00Z');
  assert.equal(await claimVacationReply(alice, 'h', 'Carol@Remote.example', 86_400, now), true);
  assert.equal(await claimVacationReply(alice, 'h', 'carol@remote.example', 86_400, now), false);
  assert.equal(await claimVacationReply(alice, 'other', 'carol@remote.example', 86_400, now), true);
  assert.equal(await claimVacationReply(bob, 'h', 'carol@remote.example', 86_400, now), true);
  const later = new Date(now.getTime() + 86_400_000);
  // Many at once after expiry: exactly one wins.
  const claims = await Promise.all(
    Array.from({ length: 8 }, () => claimVacationReply(alice, 'h', 'carol@remote.example', 86_400, later)),
  );
  assert.equal(claims.filter(Boolean).length, 1);
  const long = 'handle-'.repeat(40);
  assert.equal(await claimVacationReply(alice, long, 'dan@remote.example', 60, now), true);
  assert.equal(await claimVacationReply(alice, long, 'dan@remote.example', 60, now), false);
});

test('a removed mailbox takes its scripts and vacation memory with it', async () => {
  await removeMailbox('bob@rules.test');
  assert.equal(await db().sieveScript.count({ where: { userId: bob } }), 0);
  assert.equal(await db().sieveVacationReply.count({ where: { userId: bob } }), 0);
});
