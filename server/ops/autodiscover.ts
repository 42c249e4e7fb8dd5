// Outlook's autodiscover (the POX "outlook" schema, [MS-OXDSCLI]): the client POSTs its address,
// we answer with IMAP, POP3 and SMTP settings for it. Only the request's address is read; the
// parser expands no entities and the body is capped (autodiscover-route.ts).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ClientSettings } from './public-ports';
import { escapeXml } from './xml';

export const RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const OUTER_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';

export class AutodiscoverRequestError extends Error {}

/** The EMailAddress of an autodiscover request, or an AutodiscoverRequestError saying what is wrong. */
export function requestedAddress(body: string): string {
  if (XMLValidator.validate(body) !== true)
    throw new AutodiscoverRequestError('the request is not well-formed XML');
  const parsed = new XMLParser({ removeNSPrefix: true, processEntities: false, parseTagValue: false }).parse(
    body,
  ) as { Autodiscover?: { Request?: { EMailAddress?: unknown } } };
  const address = parsed.Autodiscover?.Request?.EMailAddress;
  if (typeof address !== 'string' || !/^[^\s@<>]{1,64}@[^\s@<>]{1,253}$/.test(address.trim()))
    throw new AutodiscoverRequestError(
      'the request names no e-mail address (Autodiscover/Request/EMailAddress)',
    );
  return address.trim();
}

function protocolXml(
  type: 'IMAP' | 'POP3' | 'SMTP',
  hostname: string,
  port: number,
  implicitTls: boolean,
  login: string,
): string {
  return [
    '      <Protocol>',
    `        <Type>${type}</Type>`,
    `        <Server>${escapeXml(hostname)}</Server>`,
    `        <Port>${port}</Port>`,
    '        <DomainRequired>off</DomainRequired>',
    `        <LoginName>${escapeXml(login)}</LoginName>`,
    '        <SPA>off</SPA>',
    // Implicit TLS is <SSL>on</SSL>; STARTTLS is <Encryption>TLS</Encryption> ([MS-OXDSCLI] 2.2.4.1.1.2.2).
    implicitTls ? '        <SSL>on</SSL>' : '        <Encryption>TLS</Encryption>',
    '        <AuthRequired>on</AuthRequired>',
    ...(type === 'SMTP' ? ['        <UsePOPAuth>on</UsePOPAuth>', '        <SMTPLast>off</SMTPLast>'] : []),
    '      </Protocol>',
  ].join('\n');
}

/** Implicit TLS when it is announced, else STARTTLS; null when neither port is. */
function pick(
  implicit: number | null,
  starttls: number | null,
): { port: number; implicitTls: boolean } | null {
  if (implicit !== null) return { port: implicit, implicitTls: true };
  if (starttls !== null) return { port: starttls, implicitTls: false };
  return null;
}

export function autodiscoverResponse(address: string, settings: ClientSettings): string {
  const { ports, hostname } = settings;
  const protocols: string[] = [];
  const imap = pick(ports.imaps, ports.imap);
  const pop3 = pick(ports.pop3s, ports.pop3);
  const smtp = pick(ports.smtps, ports.submission);
  if (imap) protocols.push(protocolXml('IMAP', hostname, imap.port, imap.implicitTls, address));
  if (pop3) protocols.push(protocolXml('POP3', hostname, pop3.port, pop3.implicitTls, address));
  if (smtp) protocols.push(protocolXml('SMTP', hostname, smtp.port, smtp.implicitTls, address));
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<Autodiscover xmlns="${OUTER_SCHEMA}">`,
    `  <Response xmlns="${RESPONSE_SCHEMA}">`,
    '    <Account>',
    '      <AccountType>email</AccountType>',
    '      <Action>settings</Action>',
    ...protocols,
    '    </Account>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}
