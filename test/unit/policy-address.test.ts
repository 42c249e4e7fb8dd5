// Envelope address parsing: what the listener and the console's rule tester both see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvelopeAddress } from '../../server/policy/address';

test('plain, bracketed, IDN and null addresses', () => {
  assert.deepEqual(parseEnvelopeAddress('<Kim@FooBar.COM>'), {
    ok: true,
    address: 'Kim@foobar.com',
    local: 'Kim',
    domain: 'foobar.com',
    sourceRouteIgnored: false,
  });
  assert.equal(
    (parseEnvelopeAddress('kim@bücher.example') as { domain: string }).domain,
    'xn--bcher-kva.example',
  );
  assert.deepEqual(parseEnvelopeAddress('<>'), {
    ok: true,
    address: '',
    local: '',
    domain: '',
    sourceRouteIgnored: false,
  });
});

test('a source route is dropped and flagged (RFC 5321 appendix C)', () => {
  const parsed = parseEnvelopeAddress('<@relay.example,@other.example:user@target.example>');
  assert.equal(parsed.ok && parsed.address, 'user@target.example');
  assert.equal(parsed.ok && parsed.sourceRouteIgnored, true);
});

test('each relay trick is named', () => {
  const trick = (input: string) => {
    const parsed = parseEnvelopeAddress(input);
    return !parsed.ok && !parsed.syntax ? parsed.trick : null;
  };
  assert.equal(trick('a%b.example@local.example'), 'percent hack');
  assert.equal(trick('b.example!a@local.example'), 'bang path');
  assert.equal(trick('"a@b.example"@local.example'), 'quoted local part');
  assert.equal(trick('a@b.example.'), 'trailing dot');
  assert.equal(trick('a@[10.0.0.1]'), 'IP-literal domain');
  assert.equal(trick('a@[IPv6:2001:db8::1]'), 'IP-literal domain');
});

test('syntax errors', () => {
  for (const bad of [
    'a',
    '@b.example',
    'a@',
    'a b@c.example',
    'a@b',
    '.a@b.example',
    'a..b@c.example',
    'a@-b.example',
    `${'x'.repeat(65)}@b.example`,
  ]) {
    const parsed = parseEnvelopeAddress(bad);
    assert.ok(!parsed.ok && parsed.syntax, bad);
  }
});
