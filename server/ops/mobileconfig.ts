// An Apple configuration profile (.mobileconfig) with one mail account payload
// (com.apple.mail.managed, Apple's "Configuration Profile Reference"). Unsigned: iOS and macOS
// show it as unverified but install it. Its identifiers derive from the host and the address, so
// downloading it again gives the same profile and installing it replaces the old one.
import { createHash } from 'node:crypto';
import type { ClientSettings } from './public-ports';
import { escapeXml } from './xml';

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

function plist(value: PlistValue, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${escapeXml(value)}</string>`;
  if (typeof value === 'number') return `${indent}<integer>${Math.trunc(value)}</integer>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  if (Array.isArray(value))
    return [`${indent}<array>`, ...value.map((item) => plist(item, `${indent}  `)), `${indent}</array>`].join(
      '\n',
    );
  return [
    `${indent}<dict>`,
    ...Object.entries(value).flatMap(([key, item]) => [
      `${indent}  <key>${escapeXml(key)}</key>`,
      plist(item, `${indent}  `),
    ]),
    `${indent}</dict>`,
  ].join('\n');
}

function stableUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface ProfileAccount {
  address: string;
  displayName?: string | null;
}

/** null when the server announces no IMAP/POP3 or no SMTP port (nothing a profile can set up). */
export function appleMailProfile(account: ProfileAccount, settings: ClientSettings): string | null {
  const { ports, hostname } = settings;
  const incoming =
    ports.imaps !== null || ports.imap !== null
      ? { type: 'EmailTypeIMAP', port: ports.imaps ?? ports.imap! }
      : ports.pop3s !== null || ports.pop3 !== null
        ? { type: 'EmailTypePOP', port: ports.pop3s ?? ports.pop3! }
        : null;
  const outgoingPort = ports.smtps ?? ports.submission;
  if (!incoming || outgoingPort === null) return null;
  const identifier = `postroom.${hostname}.${account.address}`;
  const mail: Record<string, PlistValue> = {
    PayloadType: 'com.apple.mail.managed',
    PayloadVersion: 1,
    PayloadIdentifier: `${identifier}.mail`,
    PayloadUUID: stableUuid(identifier, 'mail'),
    PayloadDisplayName: account.address,
    EmailAccountDescription: account.address,
    EmailAccountName: account.displayName || account.address,
    EmailAddress: account.address,
    EmailAccountType: incoming.type,
    IncomingMailServerHostName: hostname,
    IncomingMailServerPortNumber: incoming.port,
    // On 143/110/587 "UseSSL" makes Apple's clients require STARTTLS.
    IncomingMailServerUseSSL: true,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerUsername: account.address,
    OutgoingMailServerHostName: hostname,
    OutgoingMailServerPortNumber: outgoingPort,
    OutgoingMailServerUseSSL: true,
    OutgoingMailServerAuthentication: 'EmailAuthPassword',
    OutgoingMailServerUsername: account.address,
    OutgoingPasswordSameAsIncomingPassword: true,
  };
  const profile: Record<string, PlistValue> = {
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: identifier,
    PayloadUUID: stableUuid(identifier),
    PayloadDisplayName: `Mail for ${account.address}`,
    PayloadDescription: `IMAP and SMTP settings for ${account.address} on ${hostname}`,
    PayloadOrganization: hostname,
    PayloadRemovalDisallowed: false,
    PayloadContent: [mail],
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plist(profile, ''),
    '</plist>',
    '',
  ].join('\n');
}
