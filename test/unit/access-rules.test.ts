// The rule matcher against every example in the seeds (sendmail access map, qmail tcp.smtp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findRule, parseQmailRule, type AccessRuleLike } from '../../server/policy/access';
import { parsePattern } from '../../server/policy/access-pattern';
import { validateRule } from '../../server/domain/access-rules';

let nextId = 1;
function rule(pattern: string, action: string, scope?: string): AccessRuleLike {
  const valid = validateRule({ pattern, action, scope });
  return {
    id: nextId,
    position: nextId++ * 10,
    pattern: valid.pattern,
    scope: valid.scope,
    action: valid.action,
    message: null,
  };
}

test('192.168.0.0/24 RELAY matches that subnet only', () => {
  const rules = [rule('192.168.0.0/24', 'RELAY')];
  assert.equal(findRule(rules, { scope: 'connect', ip: '192.168.0.77' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'connect', ip: '::ffff:192.168.0.1' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'connect', ip: '192.168.1.1' }), null);
});

test('co.ki RELAY covers the domain and its subdomains, for hosts and addresses', () => {
  const rules = [rule('co.ki', 'RELAY')];
  assert.equal(findRule(rules, { scope: 'recipient', address: 'a@co.ki' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'recipient', address: 'a@mail.co.ki' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'connect', ip: '10.0.0.1', hostname: 'gw.co.ki' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'recipient', address: 'a@ecco.ki' }), null);
  assert.equal(findRule(rules, { scope: 'connect', ip: '10.0.0.1' }), null);
});

test('@naver.com RELAY is that domain only, not its subdomains', () => {
  const rules = [rule('@naver.com', 'RELAY')];
  assert.equal(findRule(rules, { scope: 'sender', address: 'kim@naver.com' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'sender', address: 'kim@mail.naver.com' }), null);
});

test('user@ RELAY is that local part at any domain', () => {
  const rules = [rule('user@', 'RELAY')];
  assert.equal(findRule(rules, { scope: 'recipient', address: 'user@anything.example' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'recipient', address: 'User@Other.example' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'recipient', address: 'users@anything.example' }), null);
});

test('@spam.com DISCARD matches senders at spam.com, not the null sender', () => {
  const rules = [rule('@spam.com', 'DISCARD')];
  assert.equal(findRule(rules, { scope: 'sender', address: 'x@spam.com' })?.action, 'DISCARD');
  assert.equal(findRule(rules, { scope: 'sender', address: '' }), null);
});

test("qmail's 66.115.47.:deny is a connect REJECT of that prefix", () => {
  const parsed = parseQmailRule('66.115.47.:deny');
  assert.deepEqual(parsed, { pattern: '66.115.47.', action: 'REJECT', scope: 'connect' });
  const rules = [rule('66.115.47.:deny', '')];
  assert.equal(findRule(rules, { scope: 'connect', ip: '66.115.47.200' })?.action, 'REJECT');
  assert.equal(findRule(rules, { scope: 'connect', ip: '66.115.48.1' }), null);
});

test('qmail\'s 127.0.0.1:allow,RELAYCLIENT="" lets that client relay', () => {
  assert.deepEqual(parseQmailRule('127.0.0.1:allow,RELAYCLIENT=""'), {
    pattern: '127.0.0.1',
    action: 'RELAY',
    scope: 'connect',
  });
  assert.deepEqual(parseQmailRule('10.1.:allow'), { pattern: '10.1.', action: 'OK', scope: 'connect' });
  const rules = [rule('127.0.0.1:allow,RELAYCLIENT=""', '')];
  assert.equal(findRule(rules, { scope: 'connect', ip: '127.0.0.1' })?.action, 'RELAY');
});

test('the first matching rule in order decides', () => {
  const rules = [rule('10.0.0.5', 'REJECT'), rule('10.0.0.0/8', 'RELAY')];
  assert.equal(findRule(rules, { scope: 'connect', ip: '10.0.0.5' })?.action, 'REJECT');
  assert.equal(findRule(rules, { scope: 'connect', ip: '10.9.9.9' })?.action, 'RELAY');
});

test('IPv6 addresses and networks', () => {
  const rules = [rule('2001:db8::/32', 'RELAY'), rule('::1', 'OK')];
  assert.equal(findRule(rules, { scope: 'connect', ip: '2001:db8:1::7' })?.action, 'RELAY');
  assert.equal(findRule(rules, { scope: 'connect', ip: '0:0:0:0:0:0:0:1' })?.action, 'OK');
  assert.equal(findRule(rules, { scope: 'connect', ip: '2001:db9::1' }), null);
});

test('malformed patterns and mismatched scopes are refused with the field named', () => {
  for (const bad of ['', '300.1.1.1/8', '10.0.0.0/33', 'a b', '@', 'x@@y', 'bad_domain', '1.2.3.256']) {
    assert.equal(parsePattern(bad).ok, false, bad);
  }
  assert.throws(() => validateRule({ pattern: '10.0.0.1', action: 'RELAY', scope: 'sender' }), /scope/);
  assert.throws(() => validateRule({ pattern: 'user@', action: 'RELAY', scope: 'connect' }), /scope/);
  assert.throws(() => validateRule({ pattern: '10.0.0.1', action: 'ALLOW' }), /action/);
  assert.throws(() => validateRule({ pattern: '10.0.0.1', action: 'RELAY', message: 'no' }), /message/);
});
