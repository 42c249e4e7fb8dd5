// Thunderbird's autoconfig document (clientConfig 1.1, as described at
// wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat): implicit TLS first, then
// STARTTLS (RFC 8314 prefers implicit TLS), IMAP before POP3. The user name is the whole address
// (%EMAILADDRESS%, filled in by the client), as our logins take it.
import type { ClientSettings } from './public-ports';
import { escapeXml } from './xml';

interface ServerEntry {
  kind: 'imap' | 'pop3' | 'smtp';
  port: number;
  socketType: 'SSL' | 'STARTTLS';
}

function entries(settings: ClientSettings): { incoming: ServerEntry[]; outgoing: ServerEntry[] } {
  const { ports } = settings;
  const candidates: (Omit<ServerEntry, 'port'> & { port: number | null })[] = [
    { kind: 'imap', port: ports.imaps, socketType: 'SSL' },
    { kind: 'imap', port: ports.imap, socketType: 'STARTTLS' },
    { kind: 'pop3', port: ports.pop3s, socketType: 'SSL' },
    { kind: 'pop3', port: ports.pop3, socketType: 'STARTTLS' },
    { kind: 'smtp', port: ports.smtps, socketType: 'SSL' },
    { kind: 'smtp', port: ports.submission, socketType: 'STARTTLS' },
  ];
  const offered = candidates.filter((entry): entry is ServerEntry => entry.port !== null);
  return {
    incoming: offered.filter((entry) => entry.kind !== 'smtp'),
    outgoing: offered.filter((entry) => entry.kind === 'smtp'),
  };
}

function serverXml(tag: 'incomingServer' | 'outgoingServer', hostname: string, entry: ServerEntry): string {
  return [
    `    <${tag} type="${entry.kind}">`,
    `      <hostname>${escapeXml(hostname)}</hostname>`,
    `      <port>${entry.port}</port>`,
    `      <socketType>${entry.socketType}</socketType>`,
    '      <authentication>password-cleartext</authentication>',
    '      <username>%EMAILADDRESS%</username>',
    `    </${tag}>`,
  ].join('\n');
}

/** `domain` is a hosted domain in its ASCII form. */
export function thunderbirdConfig(domain: string, settings: ClientSettings): string {
  const { incoming, outgoing } = entries(settings);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${escapeXml(domain)}">`,
    `    <domain>${escapeXml(domain)}</domain>`,
    `    <displayName>${escapeXml(domain)} mail</displayName>`,
    `    <displayShortName>${escapeXml(domain)}</displayShortName>`,
    ...incoming.map((entry) => serverXml('incomingServer', settings.hostname, entry)),
    ...outgoing.map((entry) => serverXml('outgoingServer', settings.hostname, entry)),
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}
