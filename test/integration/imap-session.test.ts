import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startImapTestEnv, imapflowClient, RawClient, PASSWORD, type ImapTestEnv } from './imap-support';
import { mintAccessToken } from '../../server/auth';

let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
});

test('plain port: LOGINDISABLED and no AUTH= before STARTTLS; LOGIN refused', async () => {
  const client = await RawClient.plain(env.servers.ports.imap!);
  const caps = await client.command('a1', 'CAPABILITY');
  assert.match(caps, /STARTTLS/);
  assert.match(caps, /LOGINDISABLED/);
  assert.doesNotMatch(caps, /AUTH=PLAIN/);
  assert.match(
    await client.command('a2', `LOGIN alice@example.org "${PASSWORD}"`),
    /^a2 NO \[PRIVACYREQUIRED\]/m,
  );
  assert.match(await client.command('a3', 'SELECT INBOX'), /^a3 BAD/m);
  assert.match(await client.command('a4', 'LOGOUT'), /^\* BYE[\s\S]*^a4 OK/m);
  client.close();
});

test('imapflow logs in over STARTTLS and over implicit TLS', async () => {
  for (const implicit of [false, true]) {
    const client = imapflowClient(env, implicit);
    await client.connect();
    assert.ok(client.capabilities.has('IDLE'));
    assert.ok(client.capabilities.has('AUTH=PLAIN') === false, 'no AUTH= after login');
    assert.equal((client as unknown as { serverInfo?: { name?: string } }).serverInfo?.name, 'Postroom');
    await client.logout();
  }
});

test('wrong password: tagged NO [AUTHENTICATIONFAILED], session goes on', async () => {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(
    await client.command('b1', 'LOGIN alice@example.org wrong-password'),
    /^b1 NO \[AUTHENTICATIONFAILED\]/m,
  );
  const plain = Buffer.from(`\0alice@example.org\0${PASSWORD}`).toString('base64');
  assert.match(await client.command('b2', `AUTHENTICATE PLAIN ${plain}`), /^b2 OK \[CAPABILITY /m);
  assert.match(await client.command('b3', 'NAMESPACE'), /\* NAMESPACE \(\("" "\/"\)\) NIL NIL/);
  assert.match(
    await client.command('b4', 'ENABLE CONDSTORE UTF8=ACCEPT X-UNKNOWN'),
    /\* ENABLED CONDSTORE UTF8=ACCEPT\r\n/,
  );
  client.close();
});

test('AUTHENTICATE PLAIN with a continuation, and cancel with *', async () => {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  client.write('c1 AUTHENTICATE PLAIN\r\n');
  await client.readUntil(/^\+ ?\r\n/m);
  client.write('*\r\n');
  assert.match(await client.readUntil(/^c1 .*\r\n/m), /^c1 BAD/m);
  client.write('c2 AUTHENTICATE PLAIN\r\n');
  await client.readUntil(/^\+ ?\r\n/m);
  client.write(`${Buffer.from(`\0alice@example.org\0${PASSWORD}`).toString('base64')}\r\n`);
  assert.match(await client.readUntil(/^c2 .*\r\n/m), /^c2 OK/m);
  client.close();
});

test('OAUTHBEARER and XOAUTH2 with a webmail token (imapflow accessToken)', async () => {
  const token = await mintAccessToken(env.userId);
  const client = imapflowClient(env, true, { user: env.address, accessToken: token });
  await client.connect();
  assert.ok(client.authenticated);
  await client.logout();
  const raw = await RawClient.tls(env.servers.ports.imaps!);
  const xoauth = Buffer.from(`user=${env.address}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
  assert.match(await raw.command('x1', `AUTHENTICATE XOAUTH2 ${xoauth}`), /^x1 OK/m);
  raw.close();
  const bad = await RawClient.tls(env.servers.ports.imaps!);
  const badToken = Buffer.from(`n,a=${env.address},\x01auth=Bearer nope.nope\x01\x01`).toString('base64');
  bad.write(`x2 AUTHENTICATE OAUTHBEARER ${badToken}\r\n`);
  await bad.readUntil(/^\+ \S+\r\n/m);
  bad.write('\x01\r\n');
  assert.match(await bad.readUntil(/^x2 .*\r\n/m), /^x2 NO \[AUTHENTICATIONFAILED\]/m);
  bad.close();
});

test('STARTTLS by hand: plaintext sent with the command is discarded', async () => {
  const client = await RawClient.plain(env.servers.ports.imap!);
  // An injected command pipelined after STARTTLS must not run inside the TLS session.
  client.write('s1 STARTTLS\r\ns2 NOOP\r\n');
  await client.readUntil(/^s1 OK.*\r\n/m);
  const { connect } = await import('node:tls');
  const secure = connect({ socket: client.socket, rejectUnauthorized: false });
  await new Promise((resolve) => secure.once('secureConnect', resolve));
  const tlsClient = new RawClient(secure);
  const caps = await tlsClient.command('s3', 'CAPABILITY');
  assert.match(caps, /AUTH=PLAIN/);
  assert.doesNotMatch(caps, /s2 OK/);
  tlsClient.close();
});

test('malformed input gets BAD and the session continues; bytes after LOGOUT are ignored', async () => {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('m1', 'FOO BAR'), /^m1 BAD/m);
  assert.match(await client.command('m2', 'LOGIN "unterminated'), /^m2 BAD/m);
  assert.match(await client.command('m3', `NOOP ${'('.repeat(500)}`), /^m3 BAD/m);
  client.write('m4 LOGIN {99999999}\r\n');
  assert.match(await client.readUntil(/^m4 .*\r\n/m), /^m4 NO \[TOOBIG\]/m);
  client.write(Buffer.from([0xff, 0xfe, 0x0d, 0x0a]));
  await client.readUntil(/^\* BAD.*\r\n/m);
  client.write('m5 LOGOUT\r\nm6 NOOP\r\n');
  const rest = await client.readUntil(/^m5 OK.*\r\n/m);
  assert.match(rest, /\* BYE/);
  await new Promise((resolve) => client.socket.once('close', resolve));
  assert.doesNotMatch(client.pending(), /m6/);
});
