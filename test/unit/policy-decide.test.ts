// The policy decision for every example in the seeds, end to end through evaluatePolicy, with the
// local domains and mailboxes held in a small in-memory directory (the database-backed one is
// exercised by test/integration/smtp-*.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy, type PolicyDirectory, type MailboxState } from '../../server/policy';
import type { AccessRuleLike } from '../../server/policy/access';
import { validateRule } from '../../server/domain/access-rules';
import type { Expansion } from '../../server/domain';

let nextId = 1;
function rule(pattern: string, action: string, scope?: string, message?: string): AccessRuleLike {
  const valid = validateRule({ pattern, action, scope, message });
  return {
    id: nextId,
    position: nextId++ * 10,
    pattern: valid.pattern,
    scope: valid.scope,
    action: valid.action,
    message: valid.message,
  };
}

const mailboxes: MailboxState[] = [
  { id: 1, address: 'kim@foobar.com', enabled: true, quotaBytes: 0n, usedBytes: 0n },
  { id: 2, address: 'lee@foobar.com', enabled: true, quotaBytes: 1000n, usedBytes: 1000n },
  { id: 3, address: 'off@foobar.com', enabled: false, quotaBytes: 0n, usedBytes: 0n },
];
const aliases: Record<string, string[]> = {
  'sales@foobar.com': ['kim@foobar.com', 'partner@other.example'],
  'team@foobar.com': ['kim@foobar.com', 'lee@foobar.com'],
};
const domains: Record<string, string> = { 'foobar.com': 'foobar.com', 'foobar.net': 'foobar.com' };

const directory: PolicyDirectory = {
  async localDomain(name) {
    const domain = domains[name.toLowerCase()];
    return domain ? { domain, enabled: true } : null;
  },
  async expand(address) {
    const result: Expansion = { mailboxes: [], external: [], loops: [] };
    const [local, domainName] = address.toLowerCase().split('@') as [string, string];
    const domain = domains[domainName];
    if (!domain) return { ...result, external: [address] };
    const key = `${local}@${domain}`;
    for (const target of aliases[key] ?? [key]) {
      const mailbox = mailboxes.find((m) => m.address === target);
      if (mailbox) result.mailboxes.push({ userId: mailbox.id, address: mailbox.address });
      else if (!domains[target.split('@')[1]!]) result.external.push(target);
    }
    return result;
  },
  async mailbox(id) {
    return mailboxes.find((m) => m.id === id) ?? null;
  },
  async mailboxByAddress(address) {
    return mailboxes.find((m) => m.address === address.toLowerCase()) ?? null;
  },
};

// The sendmail access map from the seed (002) and qmail's tcp.smtp (004), with a REJECT message.
const rules = [
  rule('66.115.47.:deny', ''),
  rule('216.240.138.237:deny', ''),
  rule('127.0.0.1:allow,RELAYCLIENT=""', ''),
  rule('192.168.0.0/24', 'RELAY'),
  rule('co.ki', 'RELAY'),
  rule('@naver.com', 'RELAY'),
  rule('@spam.com', 'DISCARD'),
  rule('@junk.example', 'REJECT', 'sender', 'We do not accept mail from junk.example'),
];

const ask = (query: Partial<Parameters<typeof evaluatePolicy>[0]>) =>
  evaluatePolicy(
    { clientIp: '203.0.113.9', sender: 'someone@elsewhere.example', recipient: 'kim@foobar.com', ...query },
    { rules, directory },
  );

test('a denied client prefix is refused at connect with 554 5.7.1 and the rule', async () => {
  const result = await ask({ clientIp: '66.115.47.20' });
  assert.equal(result.final.verdict, 'reject');
  assert.deepEqual([result.final.reply.code, result.final.reply.status], [554, '5.7.1']);
  assert.equal(result.final.rule?.pattern, '66.115.47.');
  assert.equal(result.sender, null);
  assert.equal((await ask({ clientIp: '216.240.138.237' })).final.reply.code, 554);
  assert.equal((await ask({ clientIp: '216.240.138.238' })).final.verdict, 'accept');
});

test('a sender REJECT gives 550 5.7.1 with the rule message', async () => {
  const result = await ask({ sender: 'bob@junk.example' });
  assert.equal(result.final.verdict, 'reject');
  assert.deepEqual(result.final.reply, {
    code: 550,
    status: '5.7.1',
    text: '<bob@junk.example>: We do not accept mail from junk.example',
  });
});

test('@spam.com DISCARD answers 250 and marks the mail to be dropped', async () => {
  const result = await ask({ sender: 'x@spam.com' });
  assert.equal(result.final.verdict, 'discard');
  assert.equal(result.final.reply.code, 250);
  assert.equal(result.final.rule?.pattern, '@spam.com');
  assert.equal((await ask({ sender: 'x@mail.spam.com' })).final.verdict, 'accept');
});

test('local recipients: mailbox, alias, alias domain accepted; unknown 550 5.1.1; disabled 5.2.1; full 452 4.2.2', async () => {
  assert.equal((await ask({ recipient: 'kim@foobar.com' })).final.reply.code, 250);
  const alias = await ask({ recipient: 'sales@foobar.com' });
  assert.equal(alias.final.verdict, 'accept');
  assert.deepEqual(alias.recipient?.expansion?.external, ['partner@other.example']);
  assert.equal((await ask({ recipient: 'KIM@FooBar.NET' })).final.verdict, 'accept');
  assert.deepEqual(pick(await ask({ recipient: 'nobody@foobar.com' })), [550, '5.1.1']);
  assert.deepEqual(pick(await ask({ recipient: 'off@foobar.com' })), [550, '5.2.1']);
  assert.deepEqual(pick(await ask({ recipient: 'lee@foobar.com' })), [452, '4.2.2']);
  // An alias with one full and one roomy mailbox still takes the mail.
  assert.equal((await ask({ recipient: 'team@foobar.com' })).final.verdict, 'accept');
});

function pick(result: Awaited<ReturnType<typeof evaluatePolicy>>) {
  return [result.final.reply.code, result.final.reply.status];
}

test('relay: refused to strangers, allowed after AUTH, from RELAY clients and to RELAY domains', async () => {
  const denied = await ask({ recipient: 'friend@gmail.example' });
  assert.deepEqual(denied.final.reply, {
    code: 554,
    status: '5.7.1',
    text: '<friend@gmail.example>: Relay access denied',
  });
  assert.equal(
    (
      await ask({
        recipient: 'friend@gmail.example',
        authenticatedUser: 'kim@foobar.com',
        sender: 'kim@foobar.com',
      })
    ).recipient?.relay,
    true,
  );
  assert.equal(
    (await ask({ recipient: 'friend@gmail.example', clientIp: '127.0.0.1' })).recipient?.relay,
    true,
  );
  assert.equal(
    (await ask({ recipient: 'friend@gmail.example', clientIp: '192.168.0.44' })).recipient?.relay,
    true,
  );
  assert.equal(
    (await ask({ recipient: 'friend@gmail.example', clientIp: '192.168.1.44' })).final.reply.code,
    554,
  );
  // co.ki RELAY: a client host in co.ki, or mail to co.ki and its subdomains.
  assert.equal(
    (await ask({ recipient: 'friend@gmail.example', clientIp: '10.1.1.1', clientHostname: 'gw.co.ki' }))
      .recipient?.relay,
    true,
  );
  assert.equal((await ask({ recipient: 'a@mail.co.ki' })).recipient?.relay, true);
  // @naver.com RELAY: that domain only.
  assert.equal((await ask({ recipient: 'a@naver.com' })).recipient?.relay, true);
  assert.equal((await ask({ recipient: 'a@mail.naver.com' })).final.reply.code, 554);
});

test('relay tricks are refused, each one', async () => {
  const tricks: Array<[string, string]> = [
    ['friend%gmail.example@foobar.com', 'percent hack'],
    ['gmail.example!friend@foobar.com', 'bang path'],
    ['"friend@gmail.example"@foobar.com', 'quoted local part'],
    ['friend@gmail.example.', 'trailing dot'],
    ['friend@[192.0.2.1]', 'IP-literal domain'],
    ['friend@192.0.2.1', 'IP-literal domain'],
  ];
  for (const [recipient, trick] of tricks) {
    const result = await ask({ recipient, clientIp: '127.0.0.1' });
    assert.equal(result.final.verdict, 'reject', recipient);
    assert.deepEqual(pick(result), [554, '5.7.1'], recipient);
    assert.match(result.final.reply.text, new RegExp(trick), recipient);
  }
  // A source route is ignored (RFC 5321 appendix C): what is left is judged on its own.
  assert.deepEqual(pick(await ask({ recipient: '<@foobar.com:friend@gmail.example>' })), [554, '5.7.1']);
  assert.equal((await ask({ recipient: '<@gmail.example:kim@foobar.com>' })).final.verdict, 'accept');
});

test('an authenticated user sends only as an address they own', async () => {
  const asKim = (sender: string) =>
    ask({ authenticatedUser: 'kim@foobar.com', sender, recipient: 'x@gmail.example' });
  assert.equal((await asKim('kim@foobar.com')).final.verdict, 'accept');
  assert.equal((await asKim('kim@foobar.net')).final.verdict, 'accept');
  assert.equal((await asKim('sales@foobar.com')).final.verdict, 'accept');
  assert.deepEqual(pick(await asKim('lee@foobar.com')), [553, '5.7.1']);
  assert.deepEqual(pick(await asKim('ceo@bigbank.example')), [553, '5.7.1']);
});

test('bad syntax is a 501 with the right enhanced code', async () => {
  assert.deepEqual(pick(await ask({ recipient: 'no-at-sign' })), [501, '5.1.3']);
  assert.deepEqual(pick(await ask({ sender: 'a@@b' })), [501, '5.1.7']);
  assert.equal((await ask({ sender: '<>' })).final.verdict, 'accept');
});
