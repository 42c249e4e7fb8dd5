// Server-side console and webmail sessions (server/auth/web-sessions.ts): a sign-in opens a
// record, signing out revokes it, and a new password, a disabled mailbox or another role revoke
// every session of that account at once, while other accounts and harmless edits leave them be.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import {
  addDomain,
  addMailbox,
  setMailboxEnabled,
  setPassword,
  updateMailboxDetails,
  SYSTEM_ACTOR,
} from '../../server/domain';
import {
  listWebSessions,
  openWebSession,
  revokeAllWebSessions,
  revokeWebSession,
  touchWebSession,
} from '../../server/auth/web-sessions';
import { db } from '../../server/core/db';
import { authOptions } from '../../server/web/auth-options';

process.env.POSTROOM_AUTH_PENALTY_MS = '1';
process.env.POSTROOM_AUTH_PENALTY_MAX_MS = '4';

let testDb: TestDatabase;
let annId: number;
let bobId: number;

before(async () => {
  testDb = await createTestDatabase();
  await addDomain('sessions.test');
  annId = (await addMailbox({ address: 'ann@sessions.test', password: 'Ann-Password-1' })).id;
  bobId = (await addMailbox({ address: 'bob@sessions.test', password: 'Bob-Password-1' })).id;
});
after(async () => {
  await testDb.cleanup();
});

async function liveSessions(userId: number): Promise<string[]> {
  return (await listWebSessions(userId)).map((session) => session.id).sort();
}

type Authorize = (
  credentials: Record<string, string>,
  request: { headers: Record<string, string> },
) => Promise<{ id: string; sid?: string } | null>;

test('signing in through next-auth opens a record with browser and address; signing out revokes it', async () => {
  const options = await authOptions();
  const provider = options.providers[0] as unknown as { options: { authorize: Authorize } };
  const user = await provider.options.authorize(
    { username: 'ann@sessions.test', password: 'Ann-Password-1' },
    {
      headers: {
        'x-forwarded-for': '192.0.2.44',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      },
    },
  );
  assert.ok(user?.sid, 'the sign-in names a session record');
  const [row] = await listWebSessions(annId);
  assert.equal(row?.id, user.sid);
  assert.equal(row?.clientIp, '192.0.2.44');
  assert.match(row?.userAgent ?? '', /Firefox\/140/);
  const token = await options.callbacks!.jwt!({ token: {}, user: user as never } as never);
  assert.equal(token.sid, user.sid, 'the JWT carries the session id');
  assert.equal(await touchWebSession(user.sid, annId), true);
  await options.events!.signOut!({ token, session: undefined as never });
  assert.equal(await touchWebSession(user.sid, annId), false, 'a copy of the cookie no longer works');
  assert.deepEqual(await liveSessions(annId), []);
});

test("one session ends alone, and never through another account's id", async () => {
  const first = await openWebSession({ userId: annId });
  const second = await openWebSession({ userId: annId });
  const bobs = await openWebSession({ userId: bobId });
  assert.equal(await revokeWebSession(bobs, annId), false, "ann cannot end bob's session");
  assert.equal(await touchWebSession(bobs, bobId), true);
  assert.equal(await touchWebSession(first, bobId), false, "bob's cookie cannot name ann's session");
  assert.equal(await revokeWebSession(first, annId), true);
  assert.deepEqual(await liveSessions(annId), [second]);
  assert.equal(await revokeAllWebSessions(annId), 1);
  assert.deepEqual(await liveSessions(annId), []);
  assert.deepEqual(await liveSessions(bobId), [bobs], "bob's session stays");
  await revokeAllWebSessions(bobId);
});

test('a new password, disabling the mailbox and a role change end every session of that account', async () => {
  const changes: [string, () => Promise<void>][] = [
    ['password', () => setPassword('ann@sessions.test', 'Ann-Password-2', SYSTEM_ACTOR)],
    ['disable', () => setMailboxEnabled('ann@sessions.test', false, SYSTEM_ACTOR)],
    ['role', () => updateMailboxDetails('ann@sessions.test', { role: 'domain_admin' }, SYSTEM_ACTOR)],
  ];
  for (const [what, change] of changes) {
    const sessions = [await openWebSession({ userId: annId }), await openWebSession({ userId: annId })];
    const bobs = await openWebSession({ userId: bobId });
    await change();
    for (const id of sessions) assert.equal(await touchWebSession(id, annId), false, `${what} ends ${id}`);
    assert.equal(await touchWebSession(bobs, bobId), true, `${what} of ann leaves bob signed in`);
    await setMailboxEnabled('ann@sessions.test', true, SYSTEM_ACTOR);
    for (const id of sessions)
      assert.equal(await touchWebSession(id, annId), false, `${what}: enabling again revives nothing`);
  }
});

test('harmless edits (display name, quota, enabling) keep the sessions', async () => {
  const id = await openWebSession({ userId: annId });
  await updateMailboxDetails('ann@sessions.test', { displayName: 'Ann', quota: '20M' }, SYSTEM_ACTOR);
  await setMailboxEnabled('ann@sessions.test', true, SYSTEM_ACTOR);
  await updateMailboxDetails('ann@sessions.test', { role: 'domain_admin' }, SYSTEM_ACTOR);
  assert.equal(await touchWebSession(id, annId), true, 'the same role again is no change');
});

test('a session unused for the idle lifetime has ended; removing the mailbox removes its records', async () => {
  const id = await openWebSession({ userId: annId });
  await db().webSession.update({ where: { id }, data: { lastSeenAt: new Date(Date.now() - 9 * 3600_000) } });
  assert.equal(await touchWebSession(id, annId), false);
  const kept = await openWebSession({ userId: annId });
  assert.equal(await db().webSession.count({ where: { id } }), 0, 'a new sign-in clears ended records');
  const { removeMailbox } = await import('../../server/domain');
  await removeMailbox('ann@sessions.test', SYSTEM_ACTOR);
  assert.equal(await db().webSession.count({ where: { id: kept } }), 0);
});
