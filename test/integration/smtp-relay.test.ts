// No open relay: the classic tricks over a real SMTP session (Python's smtplib sends the raw
// commands), and the connect-scope rules of the seeds (qmail tcp.smtp deny / RELAYCLIENT).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, run, type SmtpFixture } from './smtp-fixture';
import { addAccessRule, removeAccessRule } from '../../server/domain';
import { db } from '../../server/core/db';
import { flushEvents } from '../../server/core/events';

let fixture: SmtpFixture;
before(async () => {
  fixture = await startFixture();
});
after(() => fixture.close());

const TRICKS = [
  'friend%gmail.example@foobar.com',
  'gmail.example!friend@foobar.com',
  '"friend@gmail.example"@foobar.com',
  '"friend%gmail.example"@foobar.com',
  '@foobar.com:friend@gmail.example',
  'friend@gmail.example.',
  'friend@[192.0.2.1]',
  'friend@gmail.example',
];

async function rcptReplies(recipients: string[]): Promise<string[]> {
  const script = `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.ehlo('client.example')
s.mail('someone@elsewhere.example')
for r in sys.argv[2:]:
    code, text = s.docmd('RCPT TO:<%s>' % r)
    print(code, text.decode())
s.quit()
`;
  const result = await run('python3', ['-c', script, String(fixture.smtp.ports.smtp), ...recipients]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim().split('\n');
}

test('every relay trick is refused and nothing reaches the queue', async () => {
  const replies = await rcptReplies(TRICKS);
  for (const [index, line] of replies.entries()) {
    assert.match(line, /^(554 5\.7\.1 .*Relay access denied|501 5\.1\.3 )/, `${TRICKS[index]} -> ${line}`);
  }
  assert.match(replies[0]!, /percent hack/);
  assert.match(replies[1]!, /bang path/);
  assert.match(replies[3]!, /quoted local part/);
  assert.match(replies[6]!, /IP-literal/);
  assert.equal(await db().queueEntry.count(), 0);
});

test("qmail's deny refuses the session with 554 5.7.1; RELAYCLIENT lets that client relay", async () => {
  const deny = await addAccessRule({ pattern: '127.0.0.:deny', action: '' });
  const refused = await run('swaks', [
    '--server',
    `127.0.0.1:${fixture.smtp.ports.smtp}`,
    '--quit-after',
    'CONNECT',
  ]);
  assert.match(refused.stdout, /<\*\* 554 5\.7\.1 Access denied/);
  await removeAccessRule(deny.id);
  const relay = await addAccessRule({ pattern: '127.0.0.1:allow,RELAYCLIENT=""', action: '' });
  const replies = await rcptReplies(['friend@gmail.example', 'friend%gmail.example@foobar.com']);
  assert.match(replies[0]!, /^250 2\.1\.5/);
  assert.match(replies[1]!, /^554 5\.7\.1/, 'tricks stay refused even for a relay client');
  await removeAccessRule(relay.id);
  await flushEvents();
  const event = await db().event.findFirst({ where: { action: 'connect', result: 'reject' } });
  assert.match(event?.detail ?? '', /127\.0\.0\./);
});

test('sendmail-style Connect:localhost RELAY by host name, and @naver.com RELAY by recipient domain', async () => {
  const byName = await addAccessRule({ pattern: 'localhost', action: 'RELAY', scope: 'connect' });
  assert.match((await rcptReplies(['friend@gmail.example']))[0]!, /^250 2\.1\.5/);
  await removeAccessRule(byName.id);
  assert.match((await rcptReplies(['friend@gmail.example']))[0]!, /^554 5\.7\.1/);
  const naver = await addAccessRule({ pattern: '@naver.com', action: 'RELAY' });
  const replies = await rcptReplies(['kim@naver.com', 'kim@mail.naver.com']);
  assert.match(replies[0]!, /^250 /);
  assert.match(replies[1]!, /^554 5\.7\.1/);
  await removeAccessRule(naver.id);
});

test("the console's rule tester (evaluatePolicy) answers from the database like the listener", async () => {
  const { evaluatePolicy } = await import('../../server/policy');
  const deny = await addAccessRule({ pattern: '66.115.47.:deny', action: '' });
  const refused = await evaluatePolicy({
    clientIp: '66.115.47.9',
    sender: 'a@elsewhere.example',
    recipient: 'kim@foobar.com',
  });
  assert.deepEqual(
    [refused.final.verdict, refused.final.reply.code, refused.final.reply.status, refused.final.rule?.id],
    ['reject', 554, '5.7.1', deny.id],
  );
  await removeAccessRule(deny.id);
  const unknown = await evaluatePolicy({
    clientIp: '203.0.113.1',
    sender: 'a@elsewhere.example',
    recipient: 'nobody@foobar.net',
  });
  assert.deepEqual([unknown.final.reply.code, unknown.final.reply.status], [550, '5.1.1']);
  const alias = await evaluatePolicy({
    clientIp: '203.0.113.1',
    sender: 'a@elsewhere.example',
    recipient: 'sales@foobar.com',
  });
  assert.equal(alias.final.verdict, 'accept');
  assert.match(alias.final.reason, /kim@foobar\.com, partner@other\.example/);
  const discard = await evaluatePolicy({
    clientIp: '203.0.113.1',
    sender: 'x@spam.com',
    recipient: 'kim@foobar.com',
  });
  assert.deepEqual(
    [discard.final.verdict, discard.final.reply.code, discard.final.rule?.pattern],
    ['discard', 250, '@spam.com'],
  );
  const spoof = await evaluatePolicy({
    clientIp: '203.0.113.1',
    authenticatedUser: 'kim@foobar.com',
    sender: 'lee@foobar.com',
    recipient: 'x@gmail.example',
  });
  assert.deepEqual([spoof.final.reply.code, spoof.final.reply.status], [553, '5.7.1']);
});
