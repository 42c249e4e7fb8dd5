// DKIM keys per domain (RFC 6376): made here, kept in domains.dkim_private_key, published by the
// admin as a TXT record at <selector>._domainkey.<domain>. The outbound queue signs with them.
import { createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { db } from '../core/db';
import { audit, type Actor } from './audit';
import { FieldError } from './errors';
import { normalizeDomain } from './names';
import { requireDomain } from './rights';

const generate = promisify(generateKeyPair);
// A selector is a dot-separated sequence of DNS labels (RFC 6376 3.1).
const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The TXT value for a private key in PEM: `v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>` (RFC 6376 3.6.1). */
export function dkimTxtValue(privateKeyPem: string): string {
  const spki = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  return `v=DKIM1; k=rsa; p=${spki.toString('base64')}`;
}

/** Makes a fresh RSA-2048 key for the domain under `selector`, replacing any earlier key. */
export async function createDkimKey(name: string, selectorInput: string, actor: Actor): Promise<{ domain: string; selector: string; txt: string }> {
  const domain = normalizeDomain(name);
  requireDomain(actor, domain);
  const selector = (selectorInput.trim() || `pr${new Date().toISOString().slice(0, 7).replace('-', '')}`).toLowerCase();
  if (!SELECTOR.test(selector) || selector.length > 63) throw new FieldError('selector', 'letters, digits and hyphens, like "mail" or "pr202611"');
  const { privateKey } = await generate('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  await db().$transaction(async (tx) => {
    const before = await tx.domain.findUnique({ where: { domain } });
    if (!before) throw new FieldError('domain', `${domain} does not exist`);
    if (before.aliasOfId) throw new FieldError('domain', `${domain} is an alias domain; it signs with the key of the domain it aliases`);
    const after = await tx.domain.update({ where: { domain }, data: { dkimSelector: selector, dkimPrivateKey: privateKey } });
    await audit(tx, actor, 'domain.dkim', 'domain', domain, { dkimSelector: before.dkimSelector }, { dkimSelector: after.dkimSelector });
  });
  return { domain, selector, txt: dkimTxtValue(privateKey) };
}
