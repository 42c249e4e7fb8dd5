// `postroom import sql`: accounts read from a real MariaDB database in the seed article's schema
// and in PostfixAdmin's, created here with their password hashes kept, then a login over IMAP
// with the old password upgrades the hash to argon2id. The source is always MariaDB (that is what
// these set-ups run); Postroom's own database is the provider under test.
process.env.POSTROOM_AUTH_PENALTY_MS = '0';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mariadb from 'mariadb';
import { ImapFlow } from 'imapflow';
import { createTestDatabase, MYSQL_ADMIN_URL, type TestDatabase } from '../helpers/db';
import { db } from '../../server/core/db';
import { verifyPassword } from '../../server/auth/password';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { postroomCommand } from '../helpers/postroom-cli';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'import');
let testDb: TestDatabase;
let servers: RunningImapServers;
const sources: string[] = [];

/** The compiled CLI in a long-lived thread (a process start costs seconds). */
const postroom = (args: string[]) => postroomCommand(args);

/** bin/postroom.js in its own process, for the first command. */
function postroomProcess(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, POSTROOM_LOG: 'silent' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

async function admin() {
  const url = new URL(MYSQL_ADMIN_URL);
  return mariadb.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    multipleStatements: true,
  });
}

/** A throwaway MariaDB database loaded from a fixture; returns its URL. */
async function sourceDatabase(fixture: string): Promise<string> {
  const name = `postroom_src_${randomBytes(4).toString('hex')}`;
  const conn = await admin();
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await conn.query(`USE \`${name}\``);
  await conn.query(readFileSync(join(fixtures, fixture), 'utf8'));
  await conn.end();
  sources.push(name);
  return `${MYSQL_ADMIN_URL.replace(/\/$/, '')}/${name}`;
}

async function imapLogin(user: string, pass: string): Promise<boolean> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: servers.ports.imaps!,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
    logger: false,
  });
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch {
    client.close();
    return false;
  }
}

async function storedHash(address: string): Promise<string> {
  const [local, domain] = address.split('@');
  return (await db().user.findUniqueOrThrow({ where: { local_domain: { local: local!, domain: domain! } } }))
    .passwordHash;
}

before(async () => {
  testDb = await createTestDatabase();
  servers = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
});
after(async () => {
  await servers.close();
  await testDb.cleanup();
  const conn = await admin();
  for (const name of sources) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.end();
});

test('seed schema: dry run changes nothing, the import creates, a second run finds it all there', async () => {
  const url = await sourceDatabase('seed-mail-server.sql');
  const dry = postroomProcess(['import', 'sql', url, '--dry-run']);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /source schema: seed/);
  assert.match(dry.out, /create\s+domain nahida\.net/);
  assert.match(dry.out, /create\s+mailbox 1000dreams@nahida\.net \(bcrypt hash kept\)/);
  assert.match(dry.out, /create\s+alias alias@nahida\.net -> deepwood@nahida\.net/);
  assert.match(dry.out, /dry run: 4 to create, 0 already here/);
  assert.equal(await db().domain.count({ where: { domain: 'nahida.net' } }), 0);

  const run = postroom(['import', 'sql', url]);
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /done: 4 created, 0 failed, 0 already here/);
  const user = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'deepwood', domain: 'nahida.net' } },
  });
  assert.equal(user.displayName, '숲의기억');
  assert.equal(user.passwordHash, '$2y$10$T03RmF8PZVdEGvqMBA7JDe7kleiWmA8Acpoz7iUm7N44P1yiS5tnG');
  assert.equal(await db().folder.count({ where: { userId: user.id } }), 6, 'default folders made');
  const alias = await db().alias.findFirstOrThrow({
    where: { sourceLocal: 'alias', sourceDomain: 'nahida.net' },
  });
  assert.equal(`${alias.destinationLocal}@${alias.destinationDomain}`, 'deepwood@nahida.net');

  const again = postroom(['import', 'sql', url]);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /exists\s+mailbox deepwood@nahida\.net/);
  assert.match(again.out, /done: 0 created, 0 failed, 4 already here/);
  assert.equal(await db().user.count({ where: { domain: 'nahida.net' } }), 2);
});

test('an imported bcrypt mailbox logs in over IMAP with its old password and its hash becomes argon2id', async () => {
  assert.equal(await imapLogin('1000dreams@nahida.net', 'wrong-password'), false);
  assert.match(await storedHash('1000dreams@nahida.net'), /^\$2y\$/, 'a failed login changes nothing');
  assert.equal(await imapLogin('1000dreams@nahida.net', 'test1234'), true);
  const upgraded = await storedHash('1000dreams@nahida.net');
  assert.match(upgraded, /^\$argon2id\$/);
  assert.equal(await verifyPassword('test1234', upgraded), true);
  assert.equal(await imapLogin('1000dreams@nahida.net', 'test1234'), true, 'the new hash works too');
});

test('PostfixAdmin schema: every hash scheme verifies, alias domain, catch-all, disabled and refused rows', async () => {
  const url = await sourceDatabase('postfixadmin.sql');
  const run = postroom(['import', 'sql', url]);
  assert.equal(run.code, 1, 'one row is refused');
  assert.match(run.out, /source schema: postfixadmin/);
  assert.match(run.out, /failed\s+mailbox plain@pfa\.example .*cannot verify/);
  assert.match(run.out, /note\s+forwarding of sha512@pfa\.example to friend@elsewhere\.example not imported/);
  assert.doesNotMatch(run.out, /domain all\b/i);
  const alias = await db().domain.findUniqueOrThrow({
    where: { domain: 'pfa-alias.example' },
    include: { aliasOf: true },
  });
  assert.equal(alias.aliasOf?.domain, 'pfa.example');
  const blf = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'blf', domain: 'pfa.example' } },
  });
  assert.equal(blf.quotaBytes, 1073741824n);
  assert.equal(blf.displayName, 'Blow Fish');
  const md5 = await db().user.findUniqueOrThrow({
    where: { local_domain: { local: 'md5', domain: 'pfa.example' } },
  });
  assert.equal(md5.enabled, false);
  for (const [address, password] of [
    ['blf@pfa.example', 'Blowfish-pw-1'],
    ['sha512@pfa.example', 'Sha512-pw-2'],
    ['sha256@pfa.example', 'Sha256-pw-3'],
    ['md5@pfa.example', 'Md5-pw-4'],
    ['argon@pfa.example', 'Argon-pw-77'],
  ] as const) {
    const hash = await storedHash(address);
    assert.equal(await verifyPassword(password, hash), true, `${address} verifies as stored`);
    assert.equal(await verifyPassword(`${password}x`, hash), false, `${address} refuses a wrong password`);
  }
  assert.equal(await imapLogin('sha512@pfa.example', 'Sha512-pw-2'), true);
  assert.match(await storedHash('sha512@pfa.example'), /^\$argon2id\$/);
  assert.equal(await imapLogin('blf@pfa-alias.example', 'Blowfish-pw-1'), true, 'login at the alias domain');
  const team = await db().alias.findMany({ where: { sourceLocal: 'team', sourceDomain: 'pfa.example' } });
  assert.equal(team.length, 2);
  assert.equal(await db().alias.count({ where: { sourceLocal: '', sourceDomain: 'pfa.example' } }), 1);
  assert.equal(await db().alias.count({ where: { sourceLocal: 'old' } }), 0, 'inactive alias left out');

  const again = postroom(['import', 'sql', url]);
  assert.match(again.out, /done: 0 created, 1 failed, \d+ already here/);
});

test('bad sources get a clear refusal, not a crash', async () => {
  const bad = postroom(['import', 'sql', 'not a url']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /is not a database URL/);
  const conn = await admin();
  const name = `postroom_src_${randomBytes(4).toString('hex')}`;
  await conn.query(`CREATE DATABASE \`${name}\``);
  await conn.end();
  sources.push(name);
  const empty = postroom(['import', 'sql', `${MYSQL_ADMIN_URL.replace(/\/$/, '')}/${name}`]);
  assert.equal(empty.code, 1);
  assert.match(empty.err, /neither the seed schema/);
  const usage = postroom(['import', 'sql']);
  assert.equal(usage.code, 2);
});
