// The console's pure helpers: DNS record verdicts over a fixed zone, dashboard metrics, client
// address and same-origin checks, log filters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDomainDns, checkPtr, type DnsLookup } from '../../server/web/dns-records';
import { metricOf } from '../../server/web/stats';
import { clientIpFrom } from '../../server/web/client-ip';
import { stampForwardedHeaders } from '../../server/web/forwarded-headers';
import { isSameOrigin } from '../../server/web/origin';
import { filterFromParams } from '../../server/web/events-query';

type Zone = Record<string, Partial<Record<'MX' | 'A' | 'AAAA' | 'TXT' | 'SRV' | 'PTR', unknown[]>>>;

function fixedZone(zone: Zone, failing = new Set<string>()): DnsLookup {
  const answer = (type: keyof Zone[string]) => async (name: string) => {
    if (failing.has(name)) throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    const records = zone[name]?.[type];
    if (!records) throw Object.assign(new Error('not found'), { code: zone[name] ? 'ENODATA' : 'ENOTFOUND' });
    return records;
  };
  return {
    resolveMx: answer('MX'),
    resolve4: answer('A'),
    resolve6: answer('AAAA'),
    resolveTxt: answer('TXT'),
    resolveSrv: answer('SRV'),
    reverse: answer('PTR'),
  } as unknown as DnsLookup;
}

const DKIM = { name: 'pr1._domainkey.shop.example', value: 'v=DKIM1; k=rsa; p=MIIBKEY' };

test('each record is ok, missing, wrong or unknown against what is published', async () => {
  const dns = fixedZone(
    {
      'shop.example': {
        MX: [{ priority: 10, exchange: 'mx.other-provider.example' }],
        TXT: [['v=spf1 mx -all'], ['google-site-verification=x']],
      },
      'mail.postroom.test': { A: ['192.0.2.25'] },
      'pr1._domainkey.shop.example': { TXT: [['v=DKIM1; k=rsa; ', 'p=MIIBKEY']] },
      '_dmarc.shop.example': { TXT: [['v=DMARC1; p=none']] },
      '_mta-sts.shop.example': { TXT: [['v=STSv1; id=1']] },
      '_imaps._tcp.shop.example': {
        SRV: [{ priority: 0, weight: 1, port: 993, name: 'mail.postroom.test' }],
      },
    },
    new Set(['autodiscover.shop.example']),
  );
  const records = await checkDomainDns(
    { domain: 'shop.example', hostname: 'mail.postroom.test', dkim: DKIM },
    dns,
  );
  const status = (purpose: RegExp) => records.find((record) => purpose.test(record.purpose))!.status;
  assert.equal(status(/^Mail for the domain/), 'wrong', 'MX points elsewhere');
  assert.equal(status(/^The mail host has an address/), 'ok');
  assert.equal(status(/^SPF/), 'ok');
  assert.equal(status(/^DKIM/), 'ok', 'a TXT split into strings is joined (RFC 7208 3.3)');
  assert.equal(status(/^DMARC/), 'ok');
  assert.equal(status(/^MTA-STS: senders/), 'ok');
  assert.equal(status(/^TLS reports/), 'missing');
  assert.equal(status(/^Outlook autodiscover/), 'unknown', 'a failed lookup is not reported as missing');
  assert.equal(status(/^Mail clients find IMAP/), 'ok');
  assert.equal(status(/^Mail clients find submission/), 'missing');
});

test('SPF with +all or two SPF records is wrong; a different DKIM key is wrong', async () => {
  const dns = fixedZone({
    'a.example': { TXT: [['v=spf1 +all']] },
    'b.example': { TXT: [['v=spf1 mx -all'], ['v=spf1 a -all']] },
    'pr1._domainkey.a.example': { TXT: [['v=DKIM1; k=rsa; p=OTHERKEY']] },
  });
  const spf = async (domain: string) =>
    (await checkDomainDns({ domain, hostname: 'mx.example', dkim: null }, dns)).find((r) =>
      r.purpose.startsWith('SPF'),
    )!.status;
  assert.equal(await spf('a.example'), 'wrong');
  assert.equal(await spf('b.example'), 'wrong');
  const a = await checkDomainDns(
    {
      domain: 'a.example',
      hostname: 'mx.example',
      dkim: { name: 'pr1._domainkey.a.example', value: DKIM.value },
    },
    dns,
  );
  assert.equal(a.find((r) => r.purpose.startsWith('DKIM'))!.status, 'wrong');
  const none = await checkDomainDns({ domain: 'a.example', hostname: 'mx.example', dkim: null }, dns);
  assert.equal(none.find((r) => r.purpose.startsWith('DKIM'))!.status, 'missing', 'no key yet');
});

test('PTR advice: forward-confirmed reverse DNS per address', async () => {
  const dns = fixedZone({
    'mail.example': { A: ['192.0.2.1', '192.0.2.2'] },
    '192.0.2.1': { PTR: ['mail.example'] },
    '192.0.2.2': { PTR: ['host-2.isp.example'] },
  });
  const result = await checkPtr('mail.example', dns);
  assert.deepEqual(
    result.map((r) => [r.address, r.status]),
    [
      ['192.0.2.1', 'ok'],
      ['192.0.2.2', 'wrong'],
    ],
  );
});

test('dashboard metrics come from the events the listeners and the queue write', () => {
  assert.equal(metricOf({ protocol: 'smtp', action: 'data', result: 'accepted' }), 'received');
  assert.equal(metricOf({ protocol: 'smtp', action: 'rcpt_to', result: 'reject' }), 'rejected');
  assert.equal(metricOf({ protocol: 'smtp', action: 'data', result: 'too_big' }), 'rejected');
  assert.equal(metricOf({ protocol: 'queue', action: 'deliver', result: 'sent' }), 'sent');
  assert.equal(metricOf({ protocol: 'queue', action: 'deliver', result: 'bounced' }), 'bounced');
  assert.equal(metricOf({ protocol: 'smtp', action: 'rcpt_to', result: 'accept' }), null);
  assert.equal(metricOf({ protocol: 'imap', action: 'auth', result: 'ok' }), null);
});

test("the client address is the socket's, or the hop the outermost trusted proxy appended", () => {
  // As the `next start` process sees it: forwarded-headers.ts rewrites the headers first.
  const seen = (sent: Record<string, string>, socket: string, proxies: number) => {
    const headers: Record<string, string | string[] | undefined> = { ...sent };
    stampForwardedHeaders(headers, socket, proxies);
    process.env.POSTROOM_TRUSTED_PROXIES = String(proxies);
    try {
      return { ip: clientIpFrom((name) => headers[name] as string | undefined), headers };
    } finally {
      delete process.env.POSTROOM_TRUSTED_PROXIES;
    }
  };
  assert.equal(seen({}, '::ffff:127.0.0.1', 0).ip, '127.0.0.1');
  const direct = seen(
    { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.7', 'x-forwarded-host': 'evil.example' },
    '192.0.2.10',
    0,
  );
  assert.equal(direct.ip, '192.0.2.10', 'no trusted proxy: a forged X-Forwarded-For is ignored');
  assert.equal(direct.headers['x-forwarded-host'], undefined, 'nor a forged X-Forwarded-Host');
  assert.equal(direct.headers['x-real-ip'], undefined);
  assert.equal(
    seen({ 'x-forwarded-for': '6.6.6.6, 203.0.113.9' }, '10.0.0.1', 1).ip,
    '203.0.113.9',
    'one appending proxy: its entry, not the forged one',
  );
  assert.equal(
    seen({ 'x-forwarded-for': '6.6.6.6, 198.51.100.4, 10.0.0.2' }, '10.0.0.3', 2).ip,
    '198.51.100.4',
    'two proxies: the outer one saw the client',
  );
  assert.equal(seen({}, '10.0.0.3', 2).ip, '10.0.0.3', 'fewer hops than proxies: the leftmost');
});

test('a mutation is same-origin only when Origin (or Referer) names this host', () => {
  const request = (headers: Record<string, string>) =>
    new Request('http://console.example/api/x', { method: 'POST', headers });
  assert.equal(isSameOrigin(request({ host: 'console.example', origin: 'http://console.example' })), true);
  assert.equal(isSameOrigin(request({ host: 'console.example', origin: 'https://evil.example' })), false);
  assert.equal(isSameOrigin(request({ host: 'console.example', origin: 'null' })), false);
  assert.equal(
    isSameOrigin(request({ host: 'console.example', referer: 'http://console.example/admin' })),
    true,
  );
  assert.equal(
    isSameOrigin(request({ host: 'console.example' })),
    false,
    'no Origin and no Referer is refused',
  );
});

test('log filters read from the URL ignore unknown ranges', () => {
  const filter = filterFromParams({
    range: '24h',
    protocol: 'smtp',
    address: ' Alice@Example.org ',
    ip: '203.0.113.',
    queue: 'Q1',
    result: 'reject',
  });
  assert.ok(filter.since && Date.now() - filter.since.getTime() - 86_400_000 < 1000);
  assert.equal(filter.address, 'alice@example.org');
  assert.equal(filterFromParams({ range: 'forever' }).since, undefined);
  const window = filterFromParams({ from: '2026-11-01T08:00:00.000Z', to: '2026-11-02T08:00:00.000Z' });
  assert.equal(window.since?.toISOString(), '2026-11-01T08:00:00.000Z');
  assert.equal(window.until?.toISOString(), '2026-11-02T08:00:00.000Z');
  assert.equal(filterFromParams({ from: 'yesterday' }).since, undefined, 'a bad instant is ignored');
});
