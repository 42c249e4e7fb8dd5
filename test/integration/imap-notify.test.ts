// IMAP NOTIFY (RFC 5465) over TLS: initial STATUS, unsolicited STATUS between commands when SMTP
// or another worker process adds mail to a watched mailbox, LIST when another session creates,
// renames, deletes or subscribes a folder, the selected mailbox's EXISTS + FETCH and EXPUNGE,
// NOTIFY NONE, and refusals (BADEVENT, BAD).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import {
  startImapTestEnv,
  RawClient,
  PASSWORD,
  raw,
  type ImapTestEnv,
  startChildImapServer,
  type ChildImapServer,
} from './imap-support';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';
import { startSmtpServers, type RunningSmtpServers } from '../../server/smtp';
import { appendMessage, findFolder } from '../../server/store';

let env: ImapTestEnv;
let smtp: RunningSmtpServers;
let child: ChildImapServer;
let childPorts: { imap: number; imaps: number };

before(async () => {
  env = await startImapTestEnv();
  setDnsResolver(staticResolver({}));
  smtp = await startSmtpServers({
    host: '127.0.0.1',
    port: 0,
    submissionPort: 0,
    smtpsPort: 0,
    settings: { checkAuthentication: false },
  });
  child = await startChildImapServer();
  childPorts = child.ports;
  const setup = await login(env.servers.ports.imaps!);
  for (const name of ['Lists', 'Work', 'Work/Old'])
    assert.match(await setup.command('c', `CREATE ${name}`), /^c OK/m);
  await append(setup, 'Lists', 1);
  setup.close();
});
after(async () => {
  await child.stop();
  await smtp.close();
  setDnsResolver(null);
  await env.close();
});

async function login(port: number, select?: string): Promise<RawClient> {
  const client = await RawClient.tls(port);
  assert.match(await client.command('l', `LOGIN ${env.address} "${PASSWORD}"`), /^l OK/m);
  if (select) assert.match(await client.command('s', `SELECT ${select}`), /^s OK/m);
  return client;
}

const message = (n: number) => raw(`From: x@example.net\nSubject: message ${n}\n\nbody ${n}\n`);

async function append(client: RawClient, folder: string, n: number): Promise<void> {
  client.write(`ap${n} APPEND ${folder} {${message(n).length}+}\r\n`);
  client.write(message(n));
  client.write('\r\n');
  assert.match(await client.readUntil(new RegExp(`^ap${n} .*\\r\\n`, 'm')), new RegExp(`^ap${n} OK`, 'm'));
}

/** Waits `ms` and returns what arrived unasked (it must be nothing for the caller's check). */
async function quietFor(client: RawClient, ms: number): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return client.pending();
}

test('NOTIFY is advertised; bad event lists are refused with BAD, unsupported events with NO [BADEVENT]', async () => {
  const a = await login(env.servers.ports.imaps!, 'INBOX');
  assert.match(await a.command('c', 'CAPABILITY'), /^\* CAPABILITY .* NOTIFY[ \r]/m);
  assert.match(await a.command('n1', 'NOTIFY SET (selected (MessageNew))'), /^n1 BAD/m);
  assert.match(
    await a.command(
      'n2',
      'NOTIFY SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))',
    ),
    /^n2 BAD/m,
  );
  assert.match(await a.command('n3', 'NOTIFY SET (selected (MailboxName))'), /^n3 BAD/m);
  assert.match(await a.command('n4', 'NOTIFY SET (elsewhere (MessageNew MessageExpunge))'), /^n4 BAD/m);
  assert.match(
    await a.command('n5', 'NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))'),
    /^n5 NO \[BADEVENT \(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange\)\]/m,
  );
  assert.match(await a.command('n6', 'NOTIFY SET (personal (MailboxMetadataChange))'), /^n6 NO \[BADEVENT /m);
  assert.match(
    await a.command('n7', 'NOTIFY SET (selected (MessageNew (UID BODY[NOPE]) MessageExpunge))'),
    /^n7 BAD/m,
  );
  assert.match(await a.command('n8', 'NOTIFY'), /^n8 BAD/m);
  a.close();
});

test('NOTIFY SET STATUS sends STATUS for each watched mailbox but the selected one, before the OK', async () => {
  const a = await login(env.servers.ports.imaps!, 'Lists');
  const reply = await a.command(
    'n',
    'NOTIFY SET STATUS (subtree Work (MessageNew MessageExpunge FlagChange)) (mailboxes (INBOX Lists) (MessageNew MessageExpunge))',
  );
  assert.match(reply, /^\* STATUS "INBOX" \(MESSAGES \d+ UIDNEXT \d+ UIDVALIDITY \d+ UNSEEN \d+\)\r\n/m);
  assert.match(
    reply,
    /^\* STATUS "Work" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0 HIGHESTMODSEQ \d+\)\r\n/m,
  );
  assert.match(reply, /^\* STATUS "Work\/Old" \(/m);
  assert.doesNotMatch(reply, /STATUS "Lists"|STATUS "Sent"/);
  assert.match(reply, /^n OK/m);
  // Without STATUS, none.
  assert.doesNotMatch(await a.command('m', 'NOTIFY SET (personal (MessageNew MessageExpunge))'), /STATUS/);
  a.close();
});

test('mail delivered over SMTP to a watched mailbox arrives as STATUS between commands', async () => {
  const a = await login(env.servers.ports.imaps!, 'Work');
  const initial = await a.command('n', 'NOTIFY SET STATUS (inboxes (MessageNew MessageExpunge))');
  const messages = Number(/STATUS "INBOX" \(MESSAGES (\d+)/.exec(initial)![1]);
  const mx = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtp.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  const info = await mx.sendMail({
    from: 'friend@elsewhere.example',
    to: env.address,
    subject: 'Watched',
    text: 'Hello.',
  });
  assert.match(info.response, /^250 /);
  const started = Date.now();
  // No command is running: the notification comes on its own.
  assert.match(
    await a.readUntil(/^\* STATUS "INBOX" .*\r\n/m, 2000),
    new RegExp(`MESSAGES ${messages + 1} `),
  );
  assert.ok(Date.now() - started < 1000, `STATUS ${Date.now() - started} ms after 250`);
  // Only INBOX and \Junk are "inboxes": mail appended to Lists by another session says nothing.
  const b = await login(env.servers.ports.imaps!);
  await append(b, 'Lists', 2);
  assert.doesNotMatch(await quietFor(a, 600), /STATUS/);
  a.close();
  b.close();
});

test('another worker process appending or changing flags is heard through the poller', async () => {
  const a = await login(env.servers.ports.imaps!, 'INBOX');
  const initial = await a.command(
    'n',
    'NOTIFY SET STATUS (mailboxes Lists (MessageNew MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge))',
  );
  const before = /STATUS "Lists" \(MESSAGES (\d+) UIDNEXT (\d+)/.exec(initial)!;
  const b = await login(childPorts.imaps, 'Lists');
  await append(b, 'Lists', 3);
  const status = await a.readUntil(/^\* STATUS "Lists" .*\r\n/m, 2000);
  assert.match(
    status,
    new RegExp(`MESSAGES ${Number(before[1]) + 1} UIDNEXT ${Number(before[2]) + 1} .*HIGHESTMODSEQ \\d+\\)`),
  );
  // FlagChange on Lists: a flag change is reported; on Work (personal: no FlagChange) it is not.
  assert.match(await b.command('f', 'STORE 1 +FLAGS (\\Seen)'), /^f OK/m);
  assert.match(await a.readUntil(/^\* STATUS "Lists" .*\r\n/m, 2000), /UNSEEN/);
  assert.match(await b.command('w', 'SELECT Work'), /^w OK/m);
  await append(b, 'Work', 4);
  assert.match(await a.readUntil(/^\* STATUS "Work" .*\r\n/m, 2000), /MESSAGES 1 UIDNEXT 2 /);
  assert.match(await b.command('f2', 'STORE 1 +FLAGS (\\Flagged)'), /^f2 OK/m);
  assert.doesNotMatch(await quietFor(a, 800), /STATUS/);
  // A NOOP answers as before: nothing about other mailboxes, nothing twice.
  assert.match(await a.command('x', 'NOOP'), /^x OK/m);
  a.close();
  b.close();
});

test('folders created, renamed, deleted and subscribed by other sessions arrive as LIST; own changes do not', async () => {
  const a = await login(env.servers.ports.imaps!, 'INBOX');
  assert.match(await a.command('n', 'NOTIFY SET (personal (MailboxName SubscriptionChange))'), /^n OK/m);
  const b = await login(childPorts.imaps); // another process
  assert.match(await b.command('c1', 'CREATE Projects'), /^c1 OK/m);
  assert.match(
    await a.readUntil(/^\* LIST .*\r\n/m, 2000),
    /^\* LIST \(\\HasNoChildren\) "\/" "Projects"\r\n/m,
  );
  assert.match(await b.command('c2', 'CREATE Projects/2026'), /^c2 OK/m);
  assert.match(
    await a.readUntil(/^\* LIST .*\r\n/m, 2000),
    /^\* LIST \(\\HasNoChildren\) "\/" "Projects\/2026"\r\n/m,
  );
  assert.match(await b.command('r', 'RENAME Projects Done'), /^r OK/m);
  const renamed = await a.readUntil(/^\* LIST .*"Projects\/2026"\)\)\r\n/m, 2000);
  assert.match(renamed, /^\* LIST \(\\HasChildren\) "\/" "Done" \("OLDNAME" \("Projects"\)\)\r\n/m);
  assert.match(
    renamed,
    /^\* LIST \(\\HasNoChildren\) "\/" "Done\/2026" \("OLDNAME" \("Projects\/2026"\)\)\r\n/m,
  );
  assert.match(await b.command('s', 'SUBSCRIBE Done/2026'), /^s OK/m);
  assert.match(
    await a.readUntil(/^\* LIST .*\r\n/m, 2000),
    /^\* LIST \(\\HasNoChildren \\Subscribed\) "\/" "Done\/2026"\r\n/m,
  );
  // Another session in this process: heard at once.
  const c = await login(env.servers.ports.imaps!);
  assert.match(await c.command('d', 'DELETE Done/2026'), /^d OK/m);
  assert.match(
    await a.readUntil(/^\* LIST .*\r\n/m, 1000),
    /^\* LIST \(\\NonExistent \\Subscribed\) "\/" "Done\/2026"\r\n/m,
  );
  assert.match(await c.command('u', 'UNSUBSCRIBE Done/2026'), /^u OK/m);
  assert.match(
    await a.readUntil(/^\* LIST .*\r\n/m, 1000),
    /^\* LIST \(\\NonExistent\) "\/" "Done\/2026"\r\n/m,
  );
  // The client's own CREATE is not reported back to it (RFC 5465 section 5).
  assert.match(await a.command('own', 'CREATE Mine'), /^own OK/m);
  assert.doesNotMatch(await quietFor(a, 600), /LIST/);
  // New mail in a folder created after NOTIFY is heard too (STATUS needs a message event).
  assert.match(
    await a.command('n2', 'NOTIFY SET (personal (MessageNew MessageExpunge MailboxName))'),
    /^n2 OK/m,
  );
  assert.match(await b.command('c3', 'CREATE Fresh'), /^c3 OK/m);
  assert.match(await a.readUntil(/^\* LIST .*\r\n/m, 2000), /"\/" "Fresh"\r\n/);
  await append(b, 'Fresh', 5);
  assert.match(await a.readUntil(/^\* STATUS "Fresh" .*\r\n/m, 2000), /MESSAGES 1 UIDNEXT 2 /);
  a.close();
  b.close();
  c.close();
});

test('NOTIFY NONE stops the notifications', async () => {
  const a = await login(env.servers.ports.imaps!, 'INBOX');
  assert.match(
    await a.command('n', 'NOTIFY SET (personal (MessageNew MessageExpunge MailboxName))'),
    /^n OK/m,
  );
  assert.match(await a.command('x', 'NOTIFY NONE'), /^x OK/m);
  const b = await login(childPorts.imaps);
  await append(b, 'Lists', 6);
  assert.match(await b.command('c', 'CREATE Quiet'), /^c OK/m);
  assert.equal(await quietFor(a, 800), '');
  assert.doesNotMatch(await a.command('y', 'NOOP'), /STATUS|LIST/);
  a.close();
  b.close();
});

test('selected mailbox: EXISTS with the MessageNew fetch attributes, EXPUNGE at once or (delayed) at the next command, and during IDLE', async () => {
  const a = await login(env.servers.ports.imaps!, 'Work');
  const exists = Number(/\* (\d+) EXISTS/.exec(await a.command('s2', 'SELECT Work'))![1]);
  assert.match(
    await a.command(
      'n',
      'NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge))',
    ),
    /^n OK/m,
  );
  const b = await login(childPorts.imaps, 'Work');
  await append(b, 'Work', 7);
  const news = await a.readUntil(/^\* \d+ FETCH .*\r\n.*\r\n\r\n\)\r\n/m, 2000);
  assert.match(news, new RegExp(`^\\* ${exists + 1} EXISTS\\r\\n`, 'm'));
  assert.match(
    news,
    new RegExp(
      `^\\* ${exists + 1} FETCH \\(UID \\d+ BODY\\[HEADER\\.FIELDS \\(Subject\\)\\] \\{\\d+\\}\\r\\nSubject: message 7\\r\\n`,
      'm',
    ),
  );
  // An expunge by the other process: sent at once with (selected ...).
  assert.match(await b.command('d', `STORE ${exists + 1} +FLAGS.SILENT (\\Deleted)`), /^d OK/m);
  assert.match(await b.command('e', 'EXPUNGE'), /^e OK/m);
  assert.match(
    await a.readUntil(/^\* \d+ EXPUNGE\r\n/m, 2000),
    new RegExp(`^\\* ${exists + 1} EXPUNGE`, 'm'),
  );
  // selected-delayed: the EXISTS comes, the EXPUNGE waits for a command that may carry it.
  assert.match(await a.command('n2', 'NOTIFY SET (selected-delayed (MessageNew MessageExpunge))'), /^n2 OK/m);
  await append(b, 'Work', 8);
  assert.match(await a.readUntil(/^\* \d+ EXISTS\r\n/m, 2000), new RegExp(`^\\* ${exists + 1} EXISTS`, 'm'));
  assert.match(await b.command('d2', `STORE ${exists + 1} +FLAGS.SILENT (\\Deleted)`), /^d2 OK/m);
  assert.match(await b.command('e2', 'EXPUNGE'), /^e2 OK/m);
  assert.doesNotMatch(await quietFor(a, 800), /EXPUNGE/);
  assert.match(await a.command('no', 'NOOP'), new RegExp(`^\\* ${exists + 1} EXPUNGE\\r\\nno OK`, 'm'));
  // IDLE after NOTIFY reports what NOTIFY asks: here the selected mailbox and other mailboxes.
  assert.match(
    await a.command(
      'n3',
      'NOTIFY SET (selected (MessageNew MessageExpunge)) (mailboxes Lists (MessageNew MessageExpunge))',
    ),
    /^n3 OK/m,
  );
  a.write('i IDLE\r\n');
  await a.readUntil(/^\+ .*\r\n/m);
  await append(b, 'Work', 9);
  await a.readUntil(new RegExp(`^\\* ${exists + 1} EXISTS\\r\\n`, 'm'), 2000);
  await append(b, 'Lists', 10);
  await a.readUntil(/^\* STATUS "Lists" .*\r\n/m, 2000);
  a.write('DONE\r\n');
  assert.match(await a.readUntil(/^i .*\r\n/m), /^i OK/m);
  a.close();
  b.close();
});

// A client that stops reading (Python, with a tiny receive buffer so the kernel holds little).
const STALLED_CLIENT = `
import socket, ssl, sys, json
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect(('127.0.0.1', port))
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(raw)
s.settimeout(10)
buf = b''
def until(marker):
    global buf
    while marker not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit('closed')
        buf += chunk
    end = buf.index(marker) + len(marker)
    out, buf = buf[:end], buf[end:]
    return out
def command(tag, text):
    s.sendall((tag + ' ' + text + '\\r\\n').encode())
    out = b''
    while not out.startswith(tag.encode() + b' ') and (b'\\r\\n' + tag.encode() + b' ') not in out:
        out += until(b'\\r\\n')
    return out
until(b'\\r\\n')
command('l', 'LOGIN %s "%s"' % (user, password))
command('s', 'SELECT Flood')
command('n', 'NOTIFY SET (selected (MessageNew MessageExpunge FlagChange))')
print('ready', flush=True)
sys.stdin.readline()
unread = until(b'NOTIFICATIONOVERFLOW') + until(b'\\r\\n')
s.settimeout(0.5)
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
except socket.timeout:
    pass
after = buf
buf = b''
noop = command('x', 'NOOP')
print(json.dumps({'unread': len(unread), 'overflow': unread[-200:].decode(), 'after': after.decode(), 'noop': noop[:40].decode() + '...' + noop[-30:].decode()}), flush=True)
`;

test('a client that does not read gets OK [NOTIFICATIONOVERFLOW] and then behaves as after NOTIFY NONE', async () => {
  process.env.POSTROOM_IMAP_NOTIFY_BACKLOG = String(256 * 1024);
  process.env.POSTROOM_IMAP_NOTIFY_WAIT_MS = '300';
  try {
    const setup = await login(env.servers.ports.imaps!);
    assert.match(await setup.command('c', 'CREATE Flood'), /^c OK/m);
    const folder = await findFolder(env.userId, 'Flood');
    for (let n = 0; n < 300; n++) await appendMessage(message(n), [{ folderId: folder!.id }]);
    const python = spawn(
      'python3',
      ['-c', STALLED_CLIENT, String(env.servers.ports.imaps), env.address, PASSWORD],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: python.stdout! })[Symbol.asyncIterator]();
    assert.equal((await lines.next()).value, 'ready');
    // Each STORE makes 300 unsolicited FETCH lines of about 900 bytes for the stalled client: more
    // than the kernel's socket buffers take (several MB on loopback), so the rest waits in the server.
    const keywords = Array.from(
      { length: 30 },
      (_, i) => `$Keyword-number-${String(i).padStart(10, '0')}`,
    ).join(' ');
    assert.match(await setup.command('s', 'SELECT Flood'), /^s OK/m);
    for (let round = 0; round < 40; round++) {
      assert.match(
        await setup.command(`f${round}`, `STORE 1:* ${round % 2 ? '-' : '+'}FLAGS.SILENT (${keywords})`),
        new RegExp(`^f${round} OK`, 'm'),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.match(await setup.command('f', `STORE 1:* +FLAGS.SILENT (${keywords})`), /^f OK/m);
    python.stdin!.write('go\n');
    const result = JSON.parse((await lines.next()).value as string) as {
      unread: number;
      overflow: string;
      after: string;
      noop: string;
    };
    if (python.exitCode === null) await once(python, 'exit');
    assert.match(result.overflow, /\* OK \[NOTIFICATIONOVERFLOW\] .*\r\n$/);
    assert.ok(result.unread > 256 * 1024, `only ${result.unread} bytes before the overflow`);
    // Nothing unsolicited after it; the next command still reports the mailbox as IMAP requires.
    assert.equal(result.after, '');
    assert.match(result.noop, /^\* \d+ FETCH \(UID \d+ FLAGS \(.*\)\)\r\nx OK NOOP completed\r\n$/s);
    setup.close();
  } finally {
    delete process.env.POSTROOM_IMAP_NOTIFY_BACKLOG;
    delete process.env.POSTROOM_IMAP_NOTIFY_WAIT_MS;
  }
});
