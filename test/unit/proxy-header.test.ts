// The PROXY header parser (server/core/proxy-header.ts) against the examples and limits of HAProxy's
// proxy-protocol.txt, and the allow list of POSTROOM_PROXY_PROTOCOL_FROM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProxyHeader } from '../../server/core/proxy-header';
import { mustSendProxyHeader, proxyProtocolSettings } from '../../server/core/proxy-protocol';

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function v2(versionCommand: number, familyProtocol: number, body: Buffer): Buffer {
  const head = Buffer.from([versionCommand, familyProtocol, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIGNATURE, head, body]);
}

test('v1: TCP4, TCP6 and UNKNOWN lines; what follows the line is left alone', () => {
  const line = 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n';
  assert.deepEqual(parseProxyHeader(Buffer.from(`${line}EHLO x\r\n`)), {
    kind: 'done',
    length: line.length,
    peer: { address: '192.168.0.1', port: 56324, family: 'IPv4' },
  });
  const six = 'PROXY TCP6 2001:db8::1 ::1 65535 993\r\n';
  assert.deepEqual(parseProxyHeader(Buffer.from(six)), {
    kind: 'done',
    length: six.length,
    peer: { address: '2001:db8::1', port: 65535, family: 'IPv6' },
  });
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n')), {
    kind: 'done',
    length: 35,
    peer: null,
  });
});

test('v1: incomplete until the CRLF, and refused when malformed or longer than 107 bytes', () => {
  for (const part of ['P', 'PROXY', 'PROXY TCP4 1.2.3.4'])
    assert.equal(parseProxyHeader(Buffer.from(part)).kind, 'incomplete', part);
  for (const bad of [
    'EHLO x\r\n',
    'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n',
    'PROXY TCP4 ::1 5.6.7.8 1 2\r\n',
    'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 70000\r\n',
    'PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n',
    `PROXY TCP4 1.2.3.4 5.6.7.8 1 2${' '.repeat(80)}\r\n`,
    `PROXY ${'x'.repeat(120)}`,
  ])
    assert.equal(parseProxyHeader(Buffer.from(bad)).kind, 'invalid', JSON.stringify(bad));
});

test('v2: IPv4 and IPv6 with TLVs after them, LOCAL, UNSPEC and unix keep the connection address', () => {
  const four = Buffer.alloc(12);
  Buffer.from([203, 0, 113, 7]).copy(four);
  four.writeUInt16BE(40001, 8);
  const tlv = Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32]); // ALPN "h2"
  const header = v2(0x21, 0x11, Buffer.concat([four, tlv]));
  assert.deepEqual(parseProxyHeader(Buffer.concat([header, Buffer.from('rest')])), {
    kind: 'done',
    length: header.length,
    peer: { address: '203.0.113.7', port: 40001, family: 'IPv4' },
  });
  const six = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000007', 'hex').copy(six);
  six.writeUInt16BE(1, 32);
  assert.deepEqual(parseProxyHeader(v2(0x21, 0x21, six)), {
    kind: 'done',
    length: 52,
    peer: { address: '2001:db8::7', port: 1, family: 'IPv6' },
  });
  Buffer.from('00000000000000000000ffffc0000201', 'hex').copy(six);
  assert.equal(
    (parseProxyHeader(v2(0x21, 0x21, six)) as { peer: { address: string } }).peer.address,
    '::ffff:192.0.2.1',
  );
  Buffer.from('20010db8000100000000000100000000', 'hex').copy(six);
  assert.equal(
    (parseProxyHeader(v2(0x21, 0x21, six)) as { peer: { address: string } }).peer.address,
    '2001:db8:1::1:0:0',
  );
  assert.deepEqual(parseProxyHeader(v2(0x20, 0x11, four)), { kind: 'done', length: 28, peer: null });
  assert.deepEqual(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0))), {
    kind: 'done',
    length: 16,
    peer: null,
  });
  assert.deepEqual(parseProxyHeader(v2(0x21, 0x00, Buffer.alloc(0))), {
    kind: 'done',
    length: 16,
    peer: null,
  });
  assert.deepEqual(parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216))), {
    kind: 'done',
    length: 232,
    peer: null,
  });
});

test('v2: incomplete until its length is in, refused with a bad version, command, family or size', () => {
  const header = v2(0x21, 0x11, Buffer.alloc(12));
  for (const n of [1, 11, 12, 15, 16, 27])
    assert.equal(parseProxyHeader(header.subarray(0, n)).kind, 'incomplete', String(n));
  for (const bad of [
    v2(0x11, 0x11, Buffer.alloc(12)),
    v2(0x22, 0x11, Buffer.alloc(12)),
    v2(0x21, 0x41, Buffer.alloc(12)),
    v2(0x21, 0x13, Buffer.alloc(12)),
    v2(0x21, 0x11, Buffer.alloc(8)),
    v2(0x21, 0x21, Buffer.alloc(12)),
    v2(0x21, 0x11, Buffer.alloc(4000)),
  ])
    assert.equal(parseProxyHeader(bad).kind, 'invalid', bad.subarray(12, 16).toString('hex'));
});

test('POSTROOM_PROXY_PROTOCOL_FROM: CIDRs and single addresses, IPv4-mapped peers, bad entries refused', () => {
  const saved = process.env.POSTROOM_PROXY_PROTOCOL_FROM;
  try {
    delete process.env.POSTROOM_PROXY_PROTOCOL_FROM;
    assert.equal(proxyProtocolSettings(), null);
    process.env.POSTROOM_PROXY_PROTOCOL_FROM = '10.0.0.0/8, 192.0.2.5 2001:db8::/32';
    const settings = proxyProtocolSettings()!;
    assert.equal(settings.timeoutMs, 5000);
    for (const yes of ['10.1.2.3', '::ffff:10.9.9.9', '192.0.2.5', '2001:db8:1::1'])
      assert.equal(mustSendProxyHeader(settings, yes), true, yes);
    for (const no of ['11.0.0.1', '192.0.2.6', '::1', '2001:db9::1', undefined])
      assert.equal(mustSendProxyHeader(settings, no), false, String(no));
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.0/', '::/129']) {
      process.env.POSTROOM_PROXY_PROTOCOL_FROM = bad;
      assert.throws(() => proxyProtocolSettings(), /POSTROOM_PROXY_PROTOCOL_FROM/, bad);
    }
  } finally {
    if (saved === undefined) delete process.env.POSTROOM_PROXY_PROTOCOL_FROM;
    else process.env.POSTROOM_PROXY_PROTOCOL_FROM = saved;
  }
});
