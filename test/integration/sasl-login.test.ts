// SASL LOGIN (draft-murchison-sasl-login) on IMAP (AUTHENTICATE LOGIN) and POP3 (AUTH LOGIN), offered
// where PLAIN is (after TLS unless plain logins are allowed), for older clients such as Cyrus
// pop3test -m LOGIN. Clients written by others: Python's imaplib and poplib; a peer that sends
// garbage, cancels or gives a wrong password gets a standard refusal and the session goes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ALICE, createPop3World, run, type Pop3World } from '../helpers/pop3';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { RawClient } from './imap-support';

const execute = promisify(execFile);
const driver = join(import.meta.dirname, '..', 'fixtures', 'pop3', 'poplib_driver.py');
const POP3TEST = '/usr/lib/cyrus/bin/pop3test';
const b64 = (text: string) => Buffer.from(text).toString('base64');

let world: Pop3World;
let imap: RunningImapServers;
before(async () => {
  world = await createPop3World();
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
});
after(async () => {
  await imap.close();
  await world.close();
});

const IMAPLIB = `
import imaplib, ssl, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
client = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=context, timeout=20)
print('caps', ' '.join(client.capabilities))
prompts = []
def answer(challenge):
    prompts.append(challenge.decode())
    return user if len(prompts) == 1 else password
try:
    typ, data = client.authenticate('LOGIN', answer)
    print('result', typ, data[0].decode()[:60])
    print('select', client.select('INBOX')[1][0].decode())
except imaplib.IMAP4.error as error:
    print('error', str(error)[:80])
print('prompts', '|'.join(prompts))
`;

async function imaplibLogin(password: string): Promise<string> {
  const { stdout } = await execute(
    'python3',
    ['-c', IMAPLIB, String(imap.ports.imaps!), ALICE.address, password],
    { timeout: 60_000 },
  );
  return stdout;
}

test('IMAP: imaplib authenticates with LOGIN over implicit TLS; a wrong password is refused', async () => {
  const good = await imaplibLogin(ALICE.password);
  assert.match(good, /^caps .*\bAUTH=LOGIN\b/m);
  assert.match(good, /^result OK/m);
  assert.match(good, /^select 3$/m);
  assert.match(good, /^prompts Username:\|Password:$/m);
  const wrong = await imaplibLogin('not-the-password');
  assert.match(wrong, /^error .*AUTHENTICATIONFAILED/m);
});

test('IMAP: LOGIN is offered only where PLAIN is; garbage, cancel and SASL-IR by hand', async () => {
  const plain = await RawClient.plain(imap.ports.imap!);
  const caps = await plain.command('p1', 'CAPABILITY');
  assert.match(caps, /LOGINDISABLED/);
  assert.doesNotMatch(caps, /AUTH=LOGIN/);
  assert.match(await plain.command('p2', 'AUTHENTICATE LOGIN'), /^p2 NO \[PRIVACYREQUIRED\]/m);
  plain.close();

  const client = await RawClient.tls(imap.ports.imaps!);
  client.write('a1 AUTHENTICATE LOGIN\r\n');
  await client.readUntil(/^\+ VXNlcm5hbWU6\r\n/m);
  client.write('!!not base64!!\r\n');
  assert.match(await client.readUntil(/^a1 .*\r\n/m), /^a1 BAD/m);
  client.write('a2 AUTHENTICATE LOGIN\r\n');
  await client.readUntil(/^\+ VXNlcm5hbWU6\r\n/m);
  client.write(`${b64(ALICE.address)}\r\n`);
  await client.readUntil(/^\+ UGFzc3dvcmQ6\r\n/m);
  client.write('*\r\n');
  assert.match(await client.readUntil(/^a2 .*\r\n/m), /^a2 BAD/m);
  // SASL-IR (RFC 4959): the user name as the initial response, then only the password is asked for.
  client.write(`a3 AUTHENTICATE LOGIN ${b64(ALICE.address)}\r\n`);
  await client.readUntil(/^\+ UGFzc3dvcmQ6\r\n/m);
  client.write(`${b64(ALICE.password)}\r\n`);
  assert.match(await client.readUntil(/^a3 .*\r\n/m), /^a3 OK/m);
  client.close();
});

type Result = { step?: string; ok?: unknown; error?: string; welcome?: string };
async function poplib(mode: 'ssl' | 'plain', steps: (string | number)[][]): Promise<Result[]> {
  const port = mode === 'ssl' ? world.servers.ports.pop3s : world.servers.ports.pop3;
  return JSON.parse(
    await run('python3', [driver, mode, '127.0.0.1', String(port), world.cafile, JSON.stringify(steps)]),
  ) as Result[];
}

test('POP3: AUTH LOGIN with poplib, advertised in CAPA SASL after TLS only; bad answers get -ERR', async () => {
  const results = await poplib('ssl', [
    ['capa'],
    ['raw', 'AUTH LOGIN'],
    ['raw', '%%%'],
    ['raw', 'AUTH LOGIN'],
    ['raw', b64(ALICE.address)],
    ['raw', b64('wrong-password')],
    ['raw', `AUTH LOGIN ${b64(ALICE.address)}`],
    ['raw', b64(ALICE.password)],
    ['stat'],
    ['quit'],
  ]);
  const [, capa, ask, garbage, ask2, user, wrong, initial, pass, stat] = results;
  assert.ok((capa!.ok as Record<string, string[]>).SASL?.includes('LOGIN'), JSON.stringify(capa));
  assert.equal(ask!.ok, '+ VXNlcm5hbWU6');
  assert.match(garbage!.error ?? '', /^-ERR Malformed SASL LOGIN/);
  assert.equal(ask2!.ok, '+ VXNlcm5hbWU6');
  assert.equal(user!.ok, '+ UGFzc3dvcmQ6');
  assert.match(wrong!.error ?? '', /^-ERR \[AUTH\]/);
  assert.equal(initial!.ok, '+ UGFzc3dvcmQ6');
  assert.match(String(pass!.ok), /^\+OK Logged in/);
  assert.deepEqual(stat!.ok, [3, world.messages.reduce((sum, raw) => sum + raw.length, 0)]);

  const plain = await poplib('plain', [['capa'], ['raw', 'AUTH LOGIN'], ['quit']]);
  assert.ok(!('SASL' in (plain[1]!.ok as object)), JSON.stringify(plain[1]));
  assert.match(plain[2]!.error ?? '', /^-ERR \[AUTH\]/);
});

test('POP3: Cyrus pop3test -m LOGIN logs in', { skip: !existsSync(POP3TEST) }, async () => {
  const login = ['-a', ALICE.address, '-u', ALICE.address, '-w', ALICE.password, '-m', 'LOGIN'];
  const child = execute(POP3TEST, ['-s', '-p', String(world.servers.ports.pop3s), ...login, '127.0.0.1'], {
    timeout: 60_000,
  });
  child.child.stdin?.end();
  const { stdout, stderr } = await child.catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? String(error),
  }));
  assert.match(`${stdout}${stderr}`, /Authenticated\./, `${stdout}${stderr}`);
});
