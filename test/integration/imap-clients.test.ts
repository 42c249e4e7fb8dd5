// Real clients written by others: Python's imaplib and curl, each over STARTTLS and implicit TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startImapTestEnv, PASSWORD, raw, type ImapTestEnv } from './imap-support';
import { appendMessage, findDeliveryFolder } from '../../server/store';

const run = promisify(execFile);
let env: ImapTestEnv;
before(async () => {
  env = await startImapTestEnv();
  const inbox = await findDeliveryFolder(env.userId);
  await appendMessage(
    raw('From: Bob <bob@example.net>\nTo: alice@example.org\nSubject: Hello curl\n\nFirst message body.\n'),
    [{ folderId: inbox }],
  );
});
after(async () => {
  await env.close();
});

const PYTHON = `
import imaplib, json, ssl, sys
port, implicit, password = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
if implicit:
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
else:
    m = imaplib.IMAP4("127.0.0.1", port)
    before = list(m.capabilities)
    m.starttls(ssl_context=ctx)
out = {}
out["login"] = m.login("alice@example.org", password)[0]
typ, boxes = m.list()
out["list"] = [b.decode() for b in boxes]
name = "Py%s" % ("TLS" if implicit else "START")
out["create"] = m.create(name)[0]
msg = b"From: py@example.net\\r\\nSubject: from imaplib\\r\\n\\r\\nHello from Python.\\r\\n"
out["append"] = m.append(name, "(\\\\Flagged)", imaplib.Time2Internaldate(1700000000), msg)[0]
typ, data = m.select(name)
out["exists"] = data[0].decode()
typ, data = m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822.SIZE)")
out["fetch"] = [part[0].decode() + "|" + part[1].decode() if isinstance(part, tuple) else part.decode() for part in data]
typ, data = m.fetch("1", "(RFC822)")
out["body"] = data[0][1].decode()
out["store"] = [d.decode() for d in m.store("1", "+FLAGS", "(\\\\Seen)")[1]]
out["search"] = m.search(None, "SUBJECT", '"imaplib"')[1][0].decode()
out["uidsearch"] = m.uid("SEARCH", "ALL")[1][0].decode()
out["copy"] = m.copy("1", "INBOX")[0]
out["flagdel"] = m.store("1", "+FLAGS.SILENT", "(\\\\Deleted)")[0]
out["expunge"] = [d.decode() if d else None for d in m.expunge()[1]]
out["close"] = m.close()[0]
out["delete"] = m.delete(name)[0]
out["logout"] = m.logout()[0]
print(json.dumps(out))
`;

for (const implicit of [false, true]) {
  test(`Python imaplib over ${implicit ? 'implicit TLS' : 'STARTTLS'}`, async () => {
    const port = implicit ? env.servers.ports.imaps! : env.servers.ports.imap!;
    const { stdout } = await run('python3', ['-c', PYTHON, String(port), implicit ? '1' : '0', PASSWORD], {
      timeout: 20_000,
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(out.login, 'OK');
    assert.ok(
      (out.list as string[]).some((line) => /\(\\HasNoChildren \\Sent\) "\/" "?Sent"?/.test(line)),
      String(out.list),
    );
    assert.equal(out.create, 'OK');
    assert.equal(out.append, 'OK');
    assert.equal(out.exists, '1');
    const fetch = (out.fetch as string[]).join('');
    assert.match(fetch, /FLAGS \((\\Recent )?\\Flagged\)/);
    assert.match(fetch, /RFC822\.SIZE 67/);
    assert.match(fetch, /Subject: from imaplib/);
    assert.equal(out.body, 'From: py@example.net\r\nSubject: from imaplib\r\n\r\nHello from Python.\r\n');
    assert.match((out.store as string[])[0]!, /FLAGS \((\\Recent )?\\Seen \\Flagged\)/);
    assert.equal(out.search, '1');
    assert.equal(out.uidsearch, '1');
    assert.equal(out.copy, 'OK');
    assert.deepEqual(out.expunge, ['1']);
    assert.equal(out.delete, 'OK');
    assert.equal(out.logout, 'BYE');
  });
}

for (const implicit of [false, true]) {
  test(`curl IMAP over ${implicit ? 'imaps://' : 'STARTTLS (--ssl-reqd)'}`, async () => {
    const base = implicit
      ? `imaps://127.0.0.1:${env.servers.ports.imaps}`
      : `imap://127.0.0.1:${env.servers.ports.imap}`;
    const common = ['-sS', '-k', '--ssl-reqd', '-u', `alice@example.org:${PASSWORD}`, '--max-time', '15'];
    const list = await run('curl', [...common, `${base}/`]);
    assert.match(list.stdout, /\* LIST \(\\HasNoChildren\) "\/" "?INBOX"?/);
    assert.match(list.stdout, /\\Trash\) "\/" "?Trash"?/);
    const body = await run('curl', [...common, `${base}/INBOX;UID=1`]);
    assert.match(body.stdout, /Subject: Hello curl\r\n\r\nFirst message body\./);
    const search = await run('curl', [...common, `${base}/INBOX?SUBJECT%20curl`]);
    assert.match(search.stdout, /\* SEARCH 1/);
    const examine = await run('curl', [...common, '-X', 'EXAMINE INBOX', `${base}/`]);
    assert.match(examine.stdout, /\* [1-9]\d* EXISTS/);
    assert.match(examine.stdout, /UIDVALIDITY \d+/);
  });
}
