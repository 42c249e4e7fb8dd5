// CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267) with PARTIAL (RFC 9394) over TLS: result windows
// from either end (also UID FETCH PARTIAL), ADDTO / REMOVEFROM as another session delivers, flags
// and expunges (also during IDLE), positions in sorted contexts, CANCELUPDATE, tag reuse, NOUPDATE;
// and Python's imaplib.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startImapTestEnv, RawClient, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, createFolder } from '../../server/store';

const run = promisify(execFile);
let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
});
after(async () => {
  await env.close();
});

/** A folder holding one message per subject (UIDs 1..n, a day apart); `seen` lists 1-based UIDs. */
async function folderWith(
  name: string,
  subjects: string[],
  flags: { seen?: number[]; flagged?: number[] } = {},
): Promise<number> {
  const folder = await createFolder(env.userId, name);
  for (const [i, subject] of subjects.entries())
    await deliver(
      folder.id,
      subject,
      { seen: flags.seen?.includes(i + 1), flagged: flags.flagged?.includes(i + 1) },
      i,
    );
  return folder.id;
}

async function deliver(
  folderId: number,
  subject: string,
  flags: { seen?: boolean; flagged?: boolean } = {},
  day = 20,
): Promise<void> {
  await appendMessage(
    raw(`From: sender@example.net\nSubject: ${subject}\n\nAbout ${subject}.\n`),
    [{ folderId, flags }],
    { internalDate: new Date(Date.UTC(2024, 0, day + 1)) },
  );
}

async function session(folder: string): Promise<RawClient> {
  const client = await RawClient.tls(env.servers.ports.imaps!);
  assert.match(await client.command('l', `LOGIN alice@example.org "${PASSWORD}"`), /^l OK/m);
  assert.match(await client.command('s', `SELECT ${folder}`), /^s OK/m);
  return client;
}

function esearchLines(text: string): string[] {
  return text.split('\r\n').filter((line) => line.startsWith('* ESEARCH'));
}

test('PARTIAL pages SEARCH and SORT results from the first or the last result; bad ranges are BAD', async () => {
  await folderWith('Partial', ['f', 'e', 'd', 'c', 'b', 'a'], { seen: [2, 4, 6] });
  const client = await session('Partial');
  const capabilities = (await client.command('c', 'CAPABILITY')).split(' ');
  for (const word of ['CONTEXT=SEARCH', 'CONTEXT=SORT', 'PARTIAL'])
    assert.ok(capabilities.includes(word), word);
  const answers: [string, string][] = [
    ['SEARCH RETURN (PARTIAL 1:2) ALL', 'PARTIAL (1:2 1:2)'],
    ['SEARCH RETURN (PARTIAL 4:2) ALL', 'PARTIAL (2:4 2:4)'],
    ['SEARCH RETURN (PARTIAL -1:-2) ALL', 'PARTIAL (-1:-2 5:6)'],
    ['SEARCH RETURN (PARTIAL -2:-1) ALL', 'PARTIAL (-1:-2 5:6)'],
    ['SEARCH RETURN (PARTIAL 5:10) ALL', 'PARTIAL (5:10 5:6)'],
    ['SEARCH RETURN (PARTIAL -7:-9) ALL', 'PARTIAL (-7:-9 NIL)'],
    ['SEARCH RETURN (PARTIAL -4:-10) ALL', 'PARTIAL (-4:-10 1:3)'],
    ['UID SEARCH RETURN (MIN PARTIAL -1:-100 COUNT) SEEN', 'UID MIN 2 PARTIAL (-1:-100 2,4,6) COUNT 3'],
    ['UID SEARCH RETURN (CONTEXT PARTIAL -2:-3) SEEN', 'UID PARTIAL (-2:-3 2,4)'],
    ['SORT RETURN (PARTIAL 1:2) (SUBJECT) UTF-8 ALL', 'PARTIAL (1:2 6,5)'],
    ['SORT RETURN (PARTIAL -1:-2) (SUBJECT) UTF-8 ALL', 'PARTIAL (-1:-2 2,1)'],
    ['UID SORT RETURN (MIN MAX PARTIAL -2:-3) (SUBJECT) UTF-8 ALL', 'UID MIN 6 MAX 1 PARTIAL (-2:-3 3,2)'],
    ['UID SORT RETURN (PARTIAL 2:4 COUNT) (REVERSE SUBJECT) UTF-8 UNSEEN', 'UID PARTIAL (2:4 3,5) COUNT 3'],
  ];
  for (const [i, [command, items]] of answers.entries()) {
    const out = await client.command(`p${i}`, command);
    assert.deepEqual(esearchLines(out), [`* ESEARCH (TAG "p${i}") ${items}`], command);
    assert.match(out, new RegExp(`^p${i} OK`, 'm'));
  }
  for (const [i, options] of [
    'PARTIAL 1:-2',
    'PARTIAL 0:3',
    'PARTIAL 1:*',
    'PARTIAL',
    'PARTIAL 1:2 ALL',
    'PARTIAL 1:2 PARTIAL 3:4',
    'PARTIAL 5000000000:1',
  ].entries()) {
    assert.match(
      await client.command(`b${i}`, `SEARCH RETURN (${options}) ALL`),
      new RegExp(`^b${i} BAD`, 'm'),
      options,
    );
  }
  assert.match(await client.command('b9', 'SORT RETURN (PARTIAL -1:2) (ARRIVAL) UTF-8 ALL'), /^b9 BAD/m);

  // UID FETCH with the PARTIAL modifier (RFC 9394 3.3), after CHANGEDSINCE when both are given.
  const fetchedUids = (text: string) =>
    [...text.matchAll(/^\* \d+ FETCH \(UID (\d+)/gm)].map((match) => Number(match[1]));
  assert.deepEqual(fetchedUids(await client.command('f1', 'UID FETCH 1:* (UID) (PARTIAL -1:-2)')), [5, 6]);
  assert.deepEqual(
    fetchedUids(await client.command('f2', 'UID FETCH 2:* (UID FLAGS) (PARTIAL 2:3)')),
    [3, 4],
  );
  const modseq = /HIGHESTMODSEQ (\d+)/.exec(await client.command('f3', 'STATUS Partial (HIGHESTMODSEQ)'))![1];
  await client.command('f4', 'UID STORE 2,3 +FLAGS.SILENT (\\Flagged)');
  assert.deepEqual(
    fetchedUids(await client.command('f5', `UID FETCH 1:* (UID) (CHANGEDSINCE ${modseq} PARTIAL -1:-1)`)),
    [3],
  );
  assert.match(await client.command('f6', 'FETCH 1:* (UID) (PARTIAL 1:2)'), /^f6 BAD/m);
  assert.match(await client.command('f7', 'UID FETCH 1:* (UID) (PARTIAL 1:*)'), /^f7 BAD/m);
  client.close();
});

test('an updating UID SEARCH hears of deliveries, flag changes and expunges by others, also in IDLE, until CANCELUPDATE', async () => {
  const folderId = await folderWith('Updates', ['one', 'two', 'three', 'four'], { seen: [1, 2] });
  const watcher = await session('Updates');
  const other = await session('Updates');
  assert.deepEqual(esearchLines(await watcher.command('u1', 'UID SEARCH RETURN (UPDATE ALL) UNSEEN')), [
    '* ESEARCH (TAG "u1") UID ALL 3:4',
  ]);

  await deliver(folderId, 'five');
  const delivered = await watcher.command('n1', 'NOOP');
  assert.deepEqual(esearchLines(delivered), ['* ESEARCH (TAG "u1") UID ADDTO (0 5)']);
  assert.ok(
    delivered.indexOf('* 5 EXISTS') < delivered.indexOf('* ESEARCH'),
    'ADDTO after EXISTS (RFC 5267 4.3.3)',
  );

  await other.command('f1', 'UID STORE 3 +FLAGS (\\Seen)');
  assert.deepEqual(esearchLines(await watcher.command('n2', 'NOOP')), [
    '* ESEARCH (TAG "u1") UID REMOVEFROM (0 3)',
  ]);
  await other.command('f2', 'UID STORE 1 -FLAGS (\\Seen)');
  assert.deepEqual(esearchLines(await watcher.command('n3', 'NOOP')), [
    '* ESEARCH (TAG "u1") UID ADDTO (0 1)',
  ]);

  await other.command('x1', 'UID STORE 4 +FLAGS.SILENT (\\Deleted)');
  await other.command('x2', 'UID EXPUNGE 4');
  const expunged = await watcher.command('n4', 'NOOP');
  assert.deepEqual(esearchLines(expunged), ['* ESEARCH (TAG "u1") UID REMOVEFROM (0 4)']);
  assert.ok(expunged.indexOf('* ESEARCH') < expunged.indexOf('* 4 EXPUNGE'), expunged);

  watcher.write('i1 IDLE\r\n');
  await watcher.readUntil(/^\+ .*\r\n/m);
  await other.command('f3', 'UID STORE 5 +FLAGS (\\Seen)');
  assert.match(
    await watcher.readUntil(/^\* ESEARCH .*\r\n/m),
    /\* ESEARCH \(TAG "u1"\) UID REMOVEFROM \(0 5\)\r\n$/,
  );
  watcher.write('DONE\r\n');
  await watcher.readUntil(/^i1 OK.*\r\n/m);

  assert.match(await watcher.command('c1', 'CANCELUPDATE "u1"'), /^c1 OK/m);
  await other.command('f4', 'UID STORE 2 -FLAGS (\\Seen)');
  const quiet = await watcher.command('n5', 'NOOP');
  assert.match(quiet, /\* 2 FETCH \(UID 2 FLAGS \((\\Recent)?\)\)/);
  assert.deepEqual(esearchLines(quiet), []);
  assert.match(await watcher.command('c2', 'CANCELUPDATE "u1"'), /^c2 BAD/m);
  watcher.close();
  other.close();
});

test('an updating SEARCH by sequence number: REMOVEFROM comes before EXPUNGE, ADDTO after EXISTS, own changes count', async () => {
  await folderWith('Numbers', ['one', 'two', 'three'], { flagged: [2, 3] });
  const watcher = await session('Numbers');
  const other = await session('Numbers');
  assert.deepEqual(esearchLines(await watcher.command('s1', 'SEARCH RETURN (UPDATE COUNT) FLAGGED')), [
    '* ESEARCH (TAG "s1") COUNT 2',
  ]);
  await other.command('x1', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
  await other.command('x2', 'EXPUNGE');
  const expunged = await watcher.command('n1', 'NOOP');
  assert.deepEqual(esearchLines(expunged), ['* ESEARCH (TAG "s1") REMOVEFROM (0 2)']);
  assert.ok(expunged.indexOf('* ESEARCH') < expunged.indexOf('* 2 EXPUNGE'), expunged);

  // The session's own STORE and APPEND: message 3 is now number 2.
  assert.deepEqual(esearchLines(await watcher.command('f1', 'STORE 1 +FLAGS (\\Flagged)')), [
    '* ESEARCH (TAG "s1") ADDTO (0 1)',
  ]);
  assert.deepEqual(esearchLines(await watcher.command('f2', 'STORE 2 -FLAGS (\\Flagged)')), [
    '* ESEARCH (TAG "s1") REMOVEFROM (0 2)',
  ]);
  const message = 'Subject: four\r\n\r\nFour.\r\n';
  const appended = await watcher.command(
    'a1',
    `APPEND Numbers (\\Flagged) {${message.length}+}\r\n${message}`,
  );
  assert.deepEqual(esearchLines(appended), ['* ESEARCH (TAG "s1") ADDTO (0 3)']);
  assert.ok(appended.indexOf('* 3 EXISTS') < appended.indexOf('* ESEARCH'), appended);
  watcher.close();
  other.close();
});

test('an updating UID SORT reports where results join and leave the sorted list', async () => {
  const folderId = await folderWith('Sorted', ['b', 'd', 'f']);
  const watcher = await session('Sorted');
  const other = await session('Sorted');
  assert.deepEqual(
    esearchLines(await watcher.command('o1', 'UID SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 UNSEEN')),
    ['* ESEARCH (TAG "o1") UID ALL 1:3'],
  );
  await deliver(folderId, 'c');
  await deliver(folderId, 'a');
  // a(5) b(1) c(4) d(2) f(3): the new ones land at positions 1 and 3.
  assert.deepEqual(esearchLines(await watcher.command('n1', 'NOOP')), [
    '* ESEARCH (TAG "o1") UID ADDTO (1 5 3 4)',
  ]);
  await other.command('o0', 'NOOP'); // UID STORE names only the UIDs its session has seen
  await other.command('f1', 'UID STORE 2,4 +FLAGS (\\Seen)');
  assert.deepEqual(esearchLines(await watcher.command('n2', 'NOOP')), [
    '* ESEARCH (TAG "o1") UID REMOVEFROM (3 4,2)',
  ]);
  await other.command('f2', 'UID STORE 1 +FLAGS.SILENT (\\Deleted)');
  await other.command('f3', 'UID EXPUNGE 1');
  assert.deepEqual(esearchLines(await watcher.command('n3', 'NOOP')), [
    '* ESEARCH (TAG "o1") UID REMOVEFROM (2 1)',
  ]);
  // Reversed: a message back to unseen goes where REVERSE SUBJECT puts it.
  assert.deepEqual(
    esearchLines(await watcher.command('o2', 'SORT RETURN (UPDATE ALL) (REVERSE SUBJECT) UTF-8 UNSEEN')),
    ['* ESEARCH (TAG "o2") ALL 2,4'],
  );
  await other.command('f4', 'UID STORE 4 -FLAGS (\\Seen)');
  assert.deepEqual(esearchLines(await watcher.command('n4', 'NOOP')), [
    '* ESEARCH (TAG "o1") UID ADDTO (2 4)',
    '* ESEARCH (TAG "o2") ADDTO (2 3)',
  ]);
  watcher.close();
  other.close();
});

test('UPDATE with a tag in use is BAD, past ten contexts NOUPDATE, and deselecting ends them all', async () => {
  await folderWith('Limits', ['one']);
  const client = await session('Limits');
  for (let n = 1; n <= 10; n++)
    assert.doesNotMatch(await client.command(`c${n}`, 'UID SEARCH RETURN (UPDATE) ALL'), /NOUPDATE|BAD/);
  const refused = await client.command('c11', 'UID SEARCH RETURN (UPDATE COUNT) ALL');
  assert.match(refused, /^\* NO \[NOUPDATE "c11"\] .*\r\n/m);
  assert.match(refused, /\* ESEARCH \(TAG "c11"\) UID COUNT 1\r\nc11 OK/);
  assert.match(await client.command('c1', 'SORT RETURN (UPDATE) (DATE) UTF-8 ALL'), /^c1 BAD/m);
  assert.match(await client.command('x1', 'CANCELUPDATE "c1" "nope"'), /^x1 BAD/m);
  assert.match(await client.command('x2', 'CANCELUPDATE "c1" "c2"'), /^x2 OK/m);
  assert.doesNotMatch(await client.command('c12', 'UID SEARCH RETURN (UPDATE) ALL'), /NOUPDATE/);
  assert.match(await client.command('x3', 'CANCELUPDATE'), /^x3 BAD/m);
  await client.command('s2', 'SELECT Limits');
  assert.match(await client.command('x4', 'CANCELUPDATE "c3"'), /^x4 BAD/m);
  assert.deepEqual(esearchLines(await client.command('f1', 'STORE 1 +FLAGS (\\Seen)')), []);
  assert.deepEqual(esearchLines(await client.command('n1', 'NOOP')), []);
  client.close();
});

const PYTHON = `
import imaplib, json, re, ssl, sys
port, password = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
imaplib.Commands["CANCELUPDATE"] = ("SELECTED",)
def connect():
    m = imaplib.IMAP4("127.0.0.1", port)
    m.starttls(ssl_context=ctx)
    m.login("alice@example.org", password)
    m.select("PyContext")
    return m
watcher, other = connect(), connect()
out = {"caps": " ".join(watcher.capabilities)}
watcher.uid("SEARCH", "RETURN", "(UPDATE ALL)", "UNSEEN")
first = watcher.response("ESEARCH")[1][0].decode()
tag = re.search(r'TAG "([^"]+)"', first).group(1)
out["first"] = first.replace(tag, "T")
other.append("PyContext", None, None, b"Subject: new\\r\\n\\r\\nNew.\\r\\n")
watcher.noop()
out["added"] = [line.decode().replace(tag, "T") for line in watcher.response("ESEARCH")[1] if line]
other.uid("STORE", "1", "+FLAGS", "(\\\\Seen)")
watcher.noop()
out["removed"] = [line.decode().replace(tag, "T") for line in watcher.response("ESEARCH")[1] if line]
out["cancel"] = watcher._simple_command("CANCELUPDATE", '"%s"' % tag)[0]
other.uid("STORE", "2", "+FLAGS", "(\\\\Seen)")
watcher.noop()
out["after"] = [line for line in watcher.response("ESEARCH")[1] if line]
watcher.logout(); other.logout()
print(json.dumps(out))
`;

test('Python imaplib over STARTTLS keeps an updating search and cancels it', async () => {
  await folderWith('PyContext', ['one', 'two']);
  const { stdout } = await run('python3', ['-c', PYTHON, String(env.servers.ports.imap!), PASSWORD], {
    timeout: 20_000,
  });
  const out = JSON.parse(stdout) as Record<string, unknown>;
  assert.match(String(out.caps), /CONTEXT=SEARCH/);
  assert.equal(out.first, '(TAG "T") UID ALL 1:2');
  assert.deepEqual(out.added, ['(TAG "T") UID ADDTO (0 3)']);
  assert.deepEqual(out.removed, ['(TAG "T") UID REMOVEFROM (0 1)']);
  assert.equal(out.cancel, 'OK');
  assert.deepEqual(out.after, []);
});
