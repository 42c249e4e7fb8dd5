// DKIM for outgoing mail (RFC 6376): a 2048-bit RSA key per domain, kept in domains.dkim_selector /
// dkim_private_key; the public half is published as `<selector>._domainkey.<domain>` TXT.
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { db, writeTransaction } from '../core/db';
import { audit } from '../domain/audit';
import { SYSTEM_ACTOR, type Actor } from '../domain';
import { requireSuper } from '../domain/rights';
import { FieldError } from '../domain/errors';
import { normalizeDomain } from '../domain/names';
import { Readable } from 'node:stream';

export interface DkimRecord {
  domain: string;
  selector: string;
  /** The owner name of the TXT record. */
  name: string;
  /** The TXT record's value. */
  value: string;
}

function txtValue(privateKeyPem: string): string {
  const spki = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');
  return `v=DKIM1; k=rsa; p=${spki}`;
}

/** Creates (or replaces) the domain's signing key and returns the DNS record to publish. */
export async function createDkimKey(
  domainName: string,
  selector = `pr${new Date().toISOString().slice(0, 7).replace('-', '')}`,
  actor: Actor = SYSTEM_ACTOR,
): Promise<DkimRecord> {
  requireSuper(actor);
  const domain = normalizeDomain(domainName);
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(selector))
    throw new FieldError('selector', 'must be one DNS label (letters, digits, inner hyphens)');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeTransaction('dkim key set', async (tx) => {
    const before = await tx.domain.findUnique({ where: { domain } });
    if (!before) throw new FieldError('domain', `${domain} is not a domain here`);
    if (before.aliasOfId)
      throw new FieldError('domain', `${domain} is an alias domain; sign as the domain it aliases`);
    const after = await tx.domain.update({
      where: { domain },
      data: { dkimSelector: selector, dkimPrivateKey: pem },
    });
    await audit(tx, actor, 'domain.dkim_key', 'domain', domain, before, after);
  });
  return { domain, selector, name: `${selector}._domainkey.${domain}`, value: txtValue(pem) };
}

/** The TXT record for a domain's current key, or null if it has none. */
export async function dkimRecord(domainName: string): Promise<DkimRecord | null> {
  const domain = normalizeDomain(domainName);
  const row = await db().domain.findUnique({ where: { domain } });
  if (!row?.dkimSelector || !row.dkimPrivateKey) return null;
  return {
    domain,
    selector: row.dkimSelector,
    name: `${row.dkimSelector}._domainkey.${domain}`,
    value: txtValue(row.dkimPrivateKey),
  };
}

/**
 * Signs a message with the key of the sender's domain (the From: header's domain, for DMARC
 * alignment); an unsigned message comes back unchanged when that domain has no key.
 */
/**
 * The DKIM-Signature header (CRLF-terminated) for the message `read` gives, or an empty Buffer when
 * `fromDomain` (or the domain it aliases) has no key. mailauth hashes the stream as it reads it.
 */
export async function dkimSignature(read: () => Readable, fromDomain: string | null): Promise<Buffer> {
  const none = Buffer.alloc(0);
  if (!fromDomain) return none;
  const row = await db().domain.findUnique({
    where: { domain: fromDomain.toLowerCase() },
    include: { aliasOf: true },
  });
  const keyed = row?.dkimPrivateKey ? row : row?.aliasOf?.dkimPrivateKey ? row.aliasOf : null;
  if (!keyed?.dkimPrivateKey || !keyed.dkimSelector) return none;
  // mailauth signs with the entries of signatureData (the top-level fields alone sign nothing).
  const signature = {
    signingDomain: keyed.domain,
    selector: keyed.dkimSelector,
    privateKey: keyed.dkimPrivateKey,
    canonicalization: 'relaxed/relaxed',
  };
  const { dkimSign } = await import('mailauth'); // on first use: ~24 MiB an idle worker does without
  const signed = await dkimSign(read(), { ...signature, signatureData: [signature] });
  if (signed.errors?.length) throw new Error(`DKIM signing failed: ${String(signed.errors[0])}`);
  return Buffer.from(signed.signatures);
}

/** `message` with its DKIM signature in front (see dkimSignature). */
export async function signOutgoing(message: Buffer, fromDomain: string | null): Promise<Buffer> {
  const signature = await dkimSignature(() => Readable.from([message]), fromDomain);
  return signature.length ? Buffer.concat([signature, message]) : message;
}

/** The domain of the first From: address in the header block. */
export function headerFromDomain(message: Buffer): string | null {
  const end = message.indexOf('\r\n\r\n');
  const head = message
    .subarray(0, end < 0 ? Math.min(message.length, 65536) : end)
    .toString('utf8')
    .replace(/\r\n[ \t]+/g, ' ');
  const from = /^from:(.*)$/im.exec(head)?.[1];
  const match = from ? (/@([a-z0-9.-]+)>?\s*(?:,|$)/i.exec(from) ?? /@([a-z0-9.-]+)/i.exec(from)) : null;
  return match ? match[1]!.toLowerCase() : null;
}
