// Client set-up documents (server/ops): which ports are announced (public-ports.ts), and that
// Thunderbird's autoconfig, Outlook's autodiscover answer and the Apple profile parse as XML and
// say what the server offers; bad autodiscover requests get an AutodiscoverRequestError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { publicPort, type ClientSettings } from '../../server/ops/public-ports';
import { thunderbirdConfig } from '../../server/ops/autoconfig';
import {
  autodiscoverResponse,
  AutodiscoverRequestError,
  requestedAddress,
} from '../../server/ops/autodiscover';
import { appleMailProfile } from '../../server/ops/mobileconfig';
import { metricsAllowed, metricsAllowList } from '../../server/ops/metrics-access';

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => ['incomingServer', 'outgoingServer', 'Protocol'].includes(name),
});

const standard: ClientSettings = {
  hostname: 'mail.example.org',
  ports: { imaps: 993, imap: 143, pop3s: 995, pop3: 110, smtps: 465, submission: 587 },
};

test('public ports: standard while the listener keeps its default, the listener port when moved, the override above both', () => {
  assert.equal(publicPort('imaps', {}), 993);
  assert.equal(publicPort('imaps', { POSTROOM_IMAPS_PORT: '2993' }), 993);
  assert.equal(publicPort('imaps', { POSTROOM_IMAPS_PORT: '993' }), 993);
  assert.equal(publicPort('imaps', { POSTROOM_IMAPS_PORT: '10993' }), 10993);
  assert.equal(publicPort('imaps', { POSTROOM_IMAPS_PORT: '10993', POSTROOM_PUBLIC_IMAPS_PORT: '993' }), 993);
  assert.equal(publicPort('submission', {}), 587);
  assert.equal(publicPort('pop3', { POSTROOM_PUBLIC_POP3_PORT: '0' }), null);
  assert.throws(() => publicPort('smtps', { POSTROOM_PUBLIC_SMTPS_PORT: 'x' }), /POSTROOM_PUBLIC_SMTPS_PORT/);
});

test('Thunderbird autoconfig: well-formed, implicit TLS first, every announced port, no unannounced one', () => {
  const xml = thunderbirdConfig('example.org', { ...standard, ports: { ...standard.ports, pop3: null } });
  assert.equal(XMLValidator.validate(xml), true);
  const provider = parser.parse(xml).clientConfig.emailProvider;
  assert.equal(provider['@_id'], 'example.org');
  assert.equal(provider.domain, 'example.org');
  const incoming = provider.incomingServer.map(
    (s: Record<string, string>) => `${s['@_type']}:${s.port}:${s.socketType}`,
  );
  assert.deepEqual(incoming, ['imap:993:SSL', 'imap:143:STARTTLS', 'pop3:995:SSL']);
  const outgoing = provider.outgoingServer.map((s: Record<string, string>) => `${s.port}:${s.socketType}`);
  assert.deepEqual(outgoing, ['465:SSL', '587:STARTTLS']);
  assert.equal(provider.incomingServer[0].hostname, 'mail.example.org');
  assert.equal(provider.incomingServer[0].username, '%EMAILADDRESS%');
});

test('autodiscover: the request address is read; bad XML, no address and entity tricks are refused', () => {
  const request = (address: string) =>
    `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;
  assert.equal(requestedAddress(request('ann@example.org')), 'ann@example.org');
  assert.equal(requestedAddress(request(' ann@example.org ').replace('ann', 'ann')), 'ann@example.org');
  for (const bad of [
    '',
    'not xml',
    '<Autodiscover><Request>',
    request('no-at-sign'),
    request('a b@example.org'),
    '<Autodiscover><Request></Request></Autodiscover>',
    `<!DOCTYPE x [<!ENTITY e "ann@example.org">]>${request('&e;')}`,
  ])
    assert.throws(() => requestedAddress(bad), AutodiscoverRequestError, bad);
});

test('autodiscover answer: IMAP, POP3 and SMTP with SSL on implicit TLS ports, Encryption TLS on STARTTLS ones', () => {
  const xml = autodiscoverResponse('ann@example.org', standard);
  assert.equal(XMLValidator.validate(xml), true);
  const account = parser.parse(xml).Autodiscover.Response.Account;
  assert.equal(account.AccountType, 'email');
  assert.equal(account.Action, 'settings');
  const byType = Object.fromEntries(account.Protocol.map((p: Record<string, string>) => [p.Type, p]));
  assert.equal(byType.IMAP.Port, '993');
  assert.equal(byType.IMAP.SSL, 'on');
  assert.equal(byType.IMAP.LoginName, 'ann@example.org');
  assert.equal(byType.POP3.Port, '995');
  assert.equal(byType.SMTP.Port, '465');
  assert.equal(byType.SMTP.Server, 'mail.example.org');
  const starttls = autodiscoverResponse('ann@example.org', {
    ...standard,
    ports: { ...standard.ports, imaps: null, smtps: null },
  });
  const protocols = parser.parse(starttls).Autodiscover.Response.Account.Protocol;
  const imap = protocols.find((p: Record<string, string>) => p.Type === 'IMAP');
  assert.equal(imap.Port, '143');
  assert.equal(imap.Encryption, 'TLS');
  assert.equal(imap.SSL, undefined);
  // An address with XML metacharacters stays text.
  const escaped = autodiscoverResponse(`o'neil&co@example.org`, standard);
  assert.equal(XMLValidator.validate(escaped), true);
});

test('Apple profile: a plist with one com.apple.mail.managed payload, the same UUIDs on every download', () => {
  const profile = appleMailProfile({ address: 'ann@example.org', displayName: 'Ann <A&B>' }, standard);
  assert.ok(profile);
  assert.equal(XMLValidator.validate(profile), true);
  assert.equal(profile, appleMailProfile({ address: 'ann@example.org', displayName: 'Ann <A&B>' }, standard));
  const dict = new XMLParser({ parseTagValue: false, preserveOrder: true }).parse(profile);
  const text = JSON.stringify(dict);
  for (const expected of [
    'com.apple.mail.managed',
    'EmailTypeIMAP',
    'mail.example.org',
    'ann@example.org',
    'Ann <A&B>',
  ])
    assert.ok(text.includes(JSON.stringify(expected).slice(1, -1)), expected);
  assert.match(profile, /<key>IncomingMailServerPortNumber<\/key>\s*<integer>993<\/integer>/);
  assert.match(profile, /<key>OutgoingMailServerPortNumber<\/key>\s*<integer>465<\/integer>/);
  assert.equal(
    appleMailProfile(
      { address: 'ann@example.org' },
      { ...standard, ports: { ...standard.ports, smtps: null, submission: null } },
    ),
    null,
  );
});

test('metrics allow list: loopback (127.0.0.0/8, ::1) by default; a set list replaces it; bad entries are an error', () => {
  const loopback = metricsAllowList(undefined);
  assert.equal(metricsAllowed('127.0.0.1', loopback), true);
  assert.equal(metricsAllowed('127.0.0.2', loopback), true);
  assert.equal(metricsAllowed('::1', loopback), true);
  assert.equal(metricsAllowed('192.0.2.7', loopback), false);
  assert.equal(metricsAllowed(undefined, loopback), false);
  const only = metricsAllowList('127.0.0.1/32, 10.1.0.0/16, 2001:db8::/32');
  assert.equal(metricsAllowed('127.0.0.1', only), true);
  assert.equal(metricsAllowed('127.0.0.2', only), false);
  assert.equal(metricsAllowed('10.1.200.3', only), true);
  assert.equal(metricsAllowed('2001:db8::5', only), true);
  assert.throws(() => metricsAllowList('localhost'), /POSTROOM_METRICS_ALLOW/);
  assert.throws(() => metricsAllowList('10.0.0.0/33'), /POSTROOM_METRICS_ALLOW/);
});
