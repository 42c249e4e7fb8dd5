// Implicit-TLS listeners (IMAPS, POP3S, SMTPS) greet after the TLS 1.3 session tickets, as Dovecot
// does. A greeting sent first left clients that read on while the socket is readable (Cyrus
// imtest -s) in a blocking read that only found the tickets: they hung after the greeting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { startPop3Servers, type Pop3Servers } from '../../server/pop3';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';

const run = promisify(execFile);
const ADDRESS = 'alice@example.org';
const PASSWORD = 'Correct-horse-9-battery';
const IMTEST = '/usr/lib/cyrus/bin/imtest';
const POP3TEST = '/usr/lib/cyrus/bin/pop3test';

// The client imtest is: read the greeting, then, while select() says the socket is readable, read
// more. A blocking read that finds only session tickets never returns; a 10 s timeout says so.
const BLOCKING_READER = `
import select, socket, ssl, sys
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
context.minimum_version = ssl.TLSVersion.TLSv1_3
conn = context.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1]))))
data = b''
while b'\\r\\n' not in data:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit('closed before the greeting')
    data += chunk
conn.settimeout(10)
while select.select([conn], [], [], 0.5)[0]:
    try:
        if not conn.recv(4096):
            break
    except socket.timeout:
        print('HUNG after', data.decode().strip()[:40])
        sys.exit(1)
print('GREETED', data.decode().strip()[:40])
`;

let testDb: TestDatabase;
let imap: RunningImapServers;
let pop3: Pop3Servers;
let smtp: RunningSmtpServers;
before(async () => {
  testDb = await createTestDatabase();
  await addDomain('example.org');
  await addMailbox({ address: ADDRESS, password: PASSWORD });
  imap = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  pop3 = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  smtp = await startSmtpServers({ host: '127.0.0.1', port: 0, submissionPort: 0, smtpsPort: 0 });
});
after(async () => {
  await Promise.all([imap.close(), pop3.close(), smtp.close()]);
  await testDb.cleanup();
});

async function blockingReader(port: number): Promise<string> {
  const { stdout } = await run('python3', ['-c', BLOCKING_READER, String(port)], { timeout: 60_000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
  );
  return stdout;
}

test('IMAPS, POP3S and SMTPS: a client reading on after the greeting does not hang', async () => {
  const ports = { imaps: imap.ports.imaps!, pop3s: pop3.ports.pop3s, smtps: smtp.ports.smtps! };
  for (const [name, port] of Object.entries(ports))
    assert.match(await blockingReader(port), /^GREETED (\* OK|\+OK|220)/, name);
});

test('Cyrus imtest -s and pop3test -s log in over implicit TLS', { skip: !existsSync(IMTEST) }, async () => {
  const login = ['-a', ADDRESS, '-u', ADDRESS, '-w', PASSWORD, '-m', 'PLAIN'];
  for (const [tool, port] of [
    [IMTEST, imap.ports.imaps!],
    [POP3TEST, pop3.ports.pop3s],
  ] as const) {
    // stdin at its end: the tool logs out as soon as it is logged in.
    const child = run(tool, ['-s', '-p', String(port), ...login, '127.0.0.1'], { timeout: 60_000 });
    child.child.stdin?.end();
    const { stdout, stderr } = await child.catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? String(error),
    }));
    assert.match(`${stdout}${stderr}`, /Authenticated\./, `${tool}: ${stdout}${stderr}`);
  }
});
