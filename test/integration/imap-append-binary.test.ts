// APPEND of binary content in a literal8 (RFC 3516 section 4.4) and of mail with bare LF line
// ends: stored as RFC 5322 text (binary parts base64, CRLF lines), so BINARY[n] gives back the
// bytes sent, BODY[n] is valid text, and IMAP RFC822.SIZE equals POP3 LIST (Python's poplib).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { config } from '../../server/core/config';
import { startPop3Servers, type Pop3Servers } from '../../server/pop3';
import { run } from '../helpers/pop3';
import { startImapTestEnv, RawClient, PASSWORD, type ImapTestEnv } from './imap-support';

let env: ImapTestEnv;
let pop3: Pop3Servers;
before(async () => {
  env = await startImapTestEnv();
  pop3 = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
});
after(async () => {
  await pop3.close();
  await env.close();
});

const BINARY_BODY = Buffer.from([0x00, 0x2d, 0xe4, 0x0a, 0x0d, 0x0a, 0x0a, 0xff, 0x0d]);
const BINARY_MESSAGE = Buffer.concat([
  Buffer.from(
    'From: bob@example.net\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
      '--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n' +
      '--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n',
    'latin1',
  ),
  BINARY_BODY,
  Buffer.from('\r\n--b--\r\n', 'latin1'),
]);
const LF_MESSAGE = Buffer.from('From: bob@example.net\nSubject: bare LF\n\nline one\nline two\n', 'latin1');

async function append(client: RawClient, tag: string, prefix: string, message: Buffer): Promise<string> {
  client.write(`${tag} APPEND INBOX ${prefix}{${message.length}}\r\n`);
  await client.readUntil(/^\+ .*\r\n/m);
  client.write(Buffer.concat([message, Buffer.from('\r\n')]));
  return client.readUntil(new RegExp(`^${tag} (OK|NO|BAD).*\\r\\n`, 'm'));
}

test('APPEND ~{n}: binary part stored as base64, BINARY gives the bytes back; bare LF stored as CRLF, sizes agree with POP3', async () => {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('a', `LOGIN ${env.address} "${PASSWORD}"`), /^a OK/m);
  assert.match(await append(client, 'b', '~', BINARY_MESSAGE), /^b OK \[APPENDUID \d+ 1\]/m);
  assert.match(await append(client, 'c', '', LF_MESSAGE), /^c OK \[APPENDUID \d+ 2\]/m);
  await client.command('d', 'SELECT INBOX');

  const fetched = await client.command('e', 'FETCH 1 (BINARY.SIZE[2] BODY.PEEK[2.MIME] BODY.PEEK[2])');
  assert.match(fetched, /BINARY\.SIZE\[2\] 9[ )]/);
  assert.match(
    fetched,
    /BODY\[2\.MIME\] \{\d+\}\r\nContent-Type: application\/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n/,
  );
  const body = /BODY\[2\] (?:\{\d+\}\r\n|")([A-Za-z0-9+/=\r\n]*)/.exec(fetched);
  assert.ok(body, fetched);
  assert.deepEqual(Buffer.from(body[1]!.replace(/\r\n/g, ''), 'base64'), BINARY_BODY);

  const crlf = Buffer.from(LF_MESSAGE.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  const sizes = await client.command('f', 'FETCH 1:2 (RFC822.SIZE)');
  const imapSizes = [...sizes.matchAll(/RFC822\.SIZE (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(imapSizes[1], crlf.length);
  const whole = await client.command('g', 'FETCH 2 BODY.PEEK[]');
  assert.ok(whole.includes(`BODY[] {${crlf.length}}\r\n${crlf.toString('latin1')})`), whole);
  client.close();

  // Python's poplib sees the same sizes.
  const driver = join(import.meta.dirname, '..', 'fixtures', 'pop3', 'poplib_driver.py');
  const cafile = join(config().dataDir, 'tls', 'cert.pem');
  const out = JSON.parse(
    await run('python3', [
      driver,
      'ssl',
      '127.0.0.1',
      String(pop3.ports.pop3s),
      cafile,
      JSON.stringify([['login', env.address, PASSWORD], ['list'], ['quit']]),
    ]),
  ) as { ok?: unknown }[];
  assert.deepEqual(
    (out[2]!.ok as [string, string[]])[1],
    imapSizes.map((size, i) => `${i + 1} ${size}`),
  );
});
