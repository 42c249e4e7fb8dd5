// Domain functions the console added: a user's own forwarding (as aliases, loops refused, rights)
// and the domains a domain admin manages (super admins only, audited).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import {
  addDomain,
  addMailbox,
  SYSTEM_ACTOR,
  expandAddress,
  FieldError,
  ForbiddenError,
  type Actor,
} from '../../server/domain';
import { getForwarding, setForwarding } from '../../server/domain/forwarding';
import { setManagedDomains } from '../../server/domain/domain-admins';
import { db } from '../../server/core/db';

let testDb: TestDatabase;
const SUPER: Actor = { name: 'root@one.test', role: 'super' };
let ann: Actor;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('one.test');
  await addDomain('two.test');
  const mailbox = await addMailbox({ address: 'ann@one.test', password: 'Ann-Password-1' });
  await addMailbox({ address: 'bob@one.test', password: 'Bob-Password-1' });
  await addMailbox({
    address: 'boss@one.test',
    password: 'Boss-Password-1',
    role: 'domain_admin',
    manages: ['one.test'],
  });
  ann = { name: 'ann@one.test', userId: mailbox.id, role: 'user', domains: [] };
});
after(async () => {
  await testDb.cleanup();
});

test('a user sets their own forwarding, with or without a copy kept', async () => {
  assert.deepEqual(await getForwarding('ann@one.test', ann), { destinations: [], keepCopy: true });
  await setForwarding('ann@one.test', ['ann@elsewhere.example'], true, ann);
  let expansion = await expandAddress('ann@one.test');
  assert.deepEqual(expansion.external, ['ann@elsewhere.example']);
  assert.deepEqual(
    expansion.mailboxes.map((m) => m.address),
    ['ann@one.test'],
  );
  await setForwarding('ann@one.test', ['ann@elsewhere.example'], false, ann);
  expansion = await expandAddress('ann@one.test');
  assert.deepEqual(expansion.mailboxes, [], 'no copy kept');
  assert.deepEqual(await getForwarding('ann@one.test', ann), {
    destinations: ['ann@elsewhere.example'],
    keepCopy: false,
  });
  await setForwarding('ann@one.test', [], false, ann);
  assert.deepEqual(
    (await expandAddress('ann@one.test')).mailboxes.map((m) => m.address),
    ['ann@one.test'],
    'off again: mail stays here',
  );
  const audit = await db().auditEntry.findMany({
    where: { action: 'forwarding.set', objectId: 'ann@one.test' },
  });
  assert.equal(audit.length, 3);
  assert.equal(audit[0]!.actor, 'ann@one.test');
});

test('forwarding that closes a loop is refused and the old forwarding stays', async () => {
  await setForwarding('bob@one.test', ['ann@one.test'], false, SYSTEM_ACTOR);
  await setForwarding('ann@one.test', ['ann@elsewhere.example'], true, ann);
  await assert.rejects(
    setForwarding('ann@one.test', ['bob@one.test'], false, ann),
    (error: unknown) => error instanceof FieldError && /loop/.test(error.message),
  );
  assert.deepEqual(await getForwarding('ann@one.test', ann), {
    destinations: ['ann@elsewhere.example'],
    keepCopy: true,
  });
});

test("a user cannot touch someone else's forwarding; their domain admin can", async () => {
  await assert.rejects(setForwarding('bob@one.test', ['x@elsewhere.example'], false, ann), ForbiddenError);
  await assert.rejects(getForwarding('bob@one.test', ann), ForbiddenError);
  const boss: Actor = { name: 'boss@one.test', role: 'domain_admin', domains: ['one.test'] };
  await setForwarding('ann@one.test', [], false, boss);
  const outsider: Actor = { name: 'x@two.test', role: 'domain_admin', domains: ['two.test'] };
  await assert.rejects(
    setForwarding('ann@one.test', ['y@elsewhere.example'], false, outsider),
    ForbiddenError,
  );
});

test('only a super admin changes the domains a domain admin manages', async () => {
  const boss: Actor = { name: 'boss@one.test', role: 'domain_admin', domains: ['one.test'] };
  await assert.rejects(setManagedDomains('boss@one.test', ['one.test', 'two.test'], boss), ForbiddenError);
  await assert.rejects(
    setManagedDomains('boss@one.test', ['one.test', 'missing.test'], SUPER),
    (error: unknown) => error instanceof FieldError && error.field === 'manages',
  );
  assert.deepEqual(await setManagedDomains('boss@one.test', ['Two.Test', 'one.test'], SUPER), [
    'one.test',
    'two.test',
  ]);
  const grants = await db().domainAdmin.findMany({
    where: { user: { local: 'boss' } },
    include: { domainR: true },
  });
  assert.deepEqual(grants.map((g) => g.domainR.domain).sort(), ['one.test', 'two.test']);
  const audit = await db().auditEntry.findFirst({
    where: { action: 'mailbox.manages' },
    orderBy: { id: 'desc' },
  });
  assert.equal(audit?.after, JSON.stringify({ manages: ['one.test', 'two.test'] }));
});
