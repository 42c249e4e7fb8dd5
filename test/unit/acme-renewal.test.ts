// When ACME orders a certificate (server/acme/renewal.ts) and how the stored key+chain file is
// split (core/tls.ts): no certificate, names added, and the two-thirds point of its life.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renewalReason, renewalTime } from '../../server/acme/renewal';
import { splitKeyAndChain } from '../../server/core/tls';

const DAY = 86_400_000;
const issued = new Date('2026-01-01T00:00:00Z');
const cert = {
  names: ['mail.example.org', 'mta-sts.example.org', 'autoconfig.example.org'],
  notBefore: issued,
  notAfter: new Date(issued.getTime() + 90 * DAY),
  issuer: 'CN=Test CA',
};

test('renewal is due at two thirds of the life: day 60 of 90', () => {
  assert.equal(renewalTime(cert).toISOString(), new Date(issued.getTime() + 60 * DAY).toISOString());
  assert.equal(renewalReason(cert, cert.names, issued.getTime() + 59 * DAY), null);
  assert.match(renewalReason(cert, cert.names, issued.getTime() + 60 * DAY) ?? '', /two thirds/);
});

test('a missing certificate or a name it lacks makes an order now', () => {
  assert.match(renewalReason(null, cert.names) ?? '', /no certificate/);
  const names = [...cert.names, 'mta-sts.example.net'];
  assert.match(renewalReason(cert, names, issued.getTime() + DAY) ?? '', /new names: mta-sts\.example\.net/);
  // A name dropped (a domain removed) waits for the next renewal rather than an order at once.
  assert.equal(renewalReason(cert, cert.names.slice(0, 1), issued.getTime() + DAY), null);
});

test('the stored bundle splits into the key and the whole chain, in order', () => {
  const block = (kind: string, body: string) => `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----`;
  const bundle = [
    block('PRIVATE KEY', 'a2V5'),
    block('CERTIFICATE', 'bGVhZg=='),
    block('CERTIFICATE', 'aW50'),
  ].join('\n');
  const { key, chain } = splitKeyAndChain(`${bundle}\n`);
  assert.equal(key, block('PRIVATE KEY', 'a2V5'));
  assert.equal(chain, `${block('CERTIFICATE', 'bGVhZg==')}\n${block('CERTIFICATE', 'aW50')}`);
  assert.deepEqual(splitKeyAndChain('garbage'), { key: '', chain: '' });
});
