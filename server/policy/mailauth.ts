// Inbound message authentication with mailauth: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489)
// and ARC (RFC 8617), summed up in one Authentication-Results header (RFC 8601).
import type { Readable } from 'node:stream';
import { dnsResolver } from './dns';

export interface InboundAuthResult {
  /** Authentication-Results (and Received-SPF, ARC seal if any) to prepend, CRLF-terminated. */
  headers: string;
  spf: string;
  dkim: string;
  dmarc: string;
  arc: string;
  /** DMARC failed and the domain's published policy is reject (RFC 7489 6.3 p=reject). */
  dmarcReject: boolean;
  /** DMARC failed with p=quarantine. */
  dmarcQuarantine: boolean;
}

interface Status {
  status?: { result?: string };
  policy?: string;
}

export async function checkInboundAuthentication(
  /** The whole message, or a stream of it (SMTP DATA streams it from its spool file). */
  message: Buffer | Readable,
  envelope: { ip: string; helo: string; sender: string; mta: string },
): Promise<InboundAuthResult> {
  const resolver = dnsResolver().resolve as (name: string, rrtype: string) => Promise<string[][] | string[]>;
  // Loaded on the first message, not at start: mailauth and its dependencies cost ~24 MiB.
  const { authenticate } = await import('mailauth');
  const result = await authenticate(message, {
    ip: envelope.ip.replace(/^::ffff:/, ''),
    helo: envelope.helo,
    sender: envelope.sender,
    mta: envelope.mta,
    resolver,
  });
  const dmarc = (result.dmarc || {}) as Status;
  const dmarcResult = dmarc.status?.result ?? 'none';
  const dkimResults = (result.dkim?.results ?? []) as Status[];
  const arc = (result.arc || {}) as Status;
  const spf = (result.spf || {}) as Status;
  return {
    headers: result.headers,
    spf: spf.status?.result ?? 'none',
    dkim: dkimResults.find((row) => row.status?.result === 'pass')
      ? 'pass'
      : (dkimResults[0]?.status?.result ?? 'none'),
    dmarc: dmarcResult,
    arc: arc.status?.result ?? 'none',
    dmarcReject: dmarcResult === 'fail' && dmarc.policy === 'reject',
    dmarcQuarantine: dmarcResult === 'fail' && dmarc.policy === 'quarantine',
  };
}
