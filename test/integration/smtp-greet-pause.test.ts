// The pause before the SMTP greeting (server/smtp/greet-pause.ts): a new client address waits for
// it and an early talker is refused; an address that once waited is greeted at once afterwards, so
// a remote MTA that delivers one message per connection no longer pays the pause every time.
// The pause is long here (5 s) so that "waited" and "greeted at once" cannot be confused on a
// loaded machine: the first is bounded below by a timer, the second has seconds of slack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, mailboxMessages, run, type SmtpFixture } from './smtp-fixture';
import { tcpPeer } from '../helpers/misbehaving-peers';

const PAUSE_MS = 5_000;
let fixture: SmtpFixture;

before(async () => {
  fixture = await startFixture({ greetPauseMs: PAUSE_MS, greetPassSeconds: 3600 });
});
after(async () => {
  await fixture.close();
});

/** Milliseconds from connecting to the 220 greeting. */
async function greetingDelay(port: number): Promise<number> {
  const started = Date.now();
  const peer = await tcpPeer(port);
  await peer.waitFor(/^220 .*\r\n/m, 60_000);
  const delay = Date.now() - started;
  peer.write('QUIT\r\n');
  await peer.waitFor(/^221 /m, 30_000);
  return delay;
}

test('an early talker is refused with 421 before the greeting and earns no pass', async () => {
  const peer = await tcpPeer(fixture.smtp.ports.smtp!);
  peer.write('EHLO early.example\r\nMAIL FROM:<bot@spam.example>\r\n');
  await peer.waitFor(/^421 .*too soon/im, 60_000);
  assert.equal(await peer.closedWithin(30_000), true);
  assert.doesNotMatch(peer.received, /^220 /m);
});

test('a new address waits for the pause once, then is greeted at once and delivers (smtplib)', async () => {
  const port = fixture.smtp.ports.smtp!;
  // The early talker above came from this address too: it did not earn the pass.
  const first = await greetingDelay(port);
  assert.ok(first >= PAUSE_MS - 50, `first greeting after ${first} ms, the pause is ${PAUSE_MS} ms`);
  const second = await greetingDelay(port);
  assert.ok(second < PAUSE_MS - 1000, `second greeting after ${second} ms: the pass was not used`);

  const before = (await mailboxMessages('kim@foobar.com')).length;
  const script = `
import smtplib, sys, time
started = time.monotonic()
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=60)
print(int((time.monotonic() - started) * 1000))
s.sendmail('someone@elsewhere.example', ['kim@foobar.com'], 'Subject: greeted at once\\r\\n\\r\\nhello\\r\\n')
s.quit()
`;
  const result = await run('python3', ['-c', script, String(port)]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(
    Number(result.stdout.trim()) < PAUSE_MS - 1000,
    `smtplib greeted after ${result.stdout.trim()} ms`,
  );
  const messages = await mailboxMessages('kim@foobar.com');
  assert.equal(messages.length, before + 1);
  assert.match(messages.at(-1)!, /Subject: greeted at once/);
});

test('the pass is per address: ::1 still waits for the pause', async () => {
  // The fixture listens on 127.0.0.1 only; a second listener on ::1 shares the process's passes.
  const { startSmtpServers } = await import('../../server/smtp');
  const servers = await startSmtpServers({
    host: '::1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false, greetPauseMs: PAUSE_MS, greetPassSeconds: 3600 },
  }).catch(() => null);
  if (!servers) return; // no IPv6 loopback on this machine
  try {
    const started = Date.now();
    const { connect } = await import('node:net');
    const socket = connect({ host: '::1', port: servers.ports.smtp! });
    const greeting = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (/^220 .*\r\n/m.test(text)) resolve(text);
      });
      socket.once('error', reject);
    });
    const delay = Date.now() - started;
    socket.end('QUIT\r\n');
    assert.match(greeting, /^220 /);
    assert.ok(delay >= PAUSE_MS - 50, `::1 greeted after ${delay} ms`);
  } finally {
    await servers.close();
  }
});
