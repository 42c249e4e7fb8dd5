// Validation and normalisation of domain names and addresses (RFC 1035, RFC 5321 4.5.3.1).
import { domainToASCII, domainToUnicode } from 'node:url';
import { FieldError } from './errors';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower-cases, converts IDN to punycode and checks RFC 1035 length and LDH rules. */
export function normalizeDomain(input: string, field = 'domain'): string {
  const trimmed = input.trim().replace(/\.$/, '');
  if (!trimmed) throw new FieldError(field, 'is required');
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii) throw new FieldError(field, `"${input}" is not a valid domain name`);
  if (ascii.length > 253) throw new FieldError(field, 'is longer than 253 characters');
  const labels = ascii.split('.');
  if (labels.length < 2)
    throw new FieldError(field, `"${input}" needs at least two labels, like example.org`);
  for (const label of labels) {
    if (!LABEL.test(label))
      throw new FieldError(
        field,
        `"${input}" has an invalid label "${label}" (letters, digits and inner hyphens, 1-63 characters)`,
      );
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!))
    throw new FieldError(field, `"${input}" ends in a numeric label`);
  return ascii;
}

// A dot-atom local part (RFC 5322 3.2.3) without the characters relay tricks use (% ! / quotes).
const LOCAL_PART = /^[a-z0-9!#$&'*+=?^_`{|}~-]+(\.[a-z0-9!#$&'*+=?^_`{|}~-]+)*$/;

export interface Address {
  local: string;
  domain: string;
}

export function normalizeLocalPart(input: string, field = 'address'): string {
  const local = input.trim().toLowerCase();
  if (!local) throw new FieldError(field, 'needs a local part before the @');
  if (Buffer.byteLength(local) > 64) throw new FieldError(field, 'local part is longer than 64 octets');
  if (!LOCAL_PART.test(local)) throw new FieldError(field, `"${input}" is not a valid local part`);
  return local;
}

/** Parses and normalises `local@domain`; the whole address may be at most 254 octets. */
export function parseAddress(input: string, field = 'address'): Address {
  const at = input.lastIndexOf('@');
  if (at < 0) throw new FieldError(field, `"${input}" is not an email address (missing @)`);
  const local = normalizeLocalPart(input.slice(0, at), field);
  const domain = normalizeDomain(input.slice(at + 1), field);
  if (Buffer.byteLength(`${local}@${domain}`) > 254) throw new FieldError(field, 'is longer than 254 octets');
  return { local, domain };
}

export function formatAddress(address: Address): string {
  return address.local ? `${address.local}@${address.domain}` : `@${address.domain}`;
}

/** Parses a size such as 2G, 500M, 1024K or a plain byte count. 0 means unlimited. */
export function parseSize(input: string | number, field = 'quota'): bigint {
  if (typeof input === 'number') input = String(input);
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(input);
  if (!match) throw new FieldError(field, `"${input}" is not a size (examples: 0, 500M, 2G)`);
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return BigInt(Math.round(Number(match[1]) * 1024 ** power));
}

/**
 * How the console shows a domain: Unicode (münchen.example) for the ACE form that is stored
 * (xn--mnchen-3ya.example, RFC 5890). A name that does not decode is shown as stored.
 */
export function displayDomain(ace: string): string {
  if (!ace.includes('xn--')) return ace;
  return domainToUnicode(ace) || ace;
}

/** An address (or `@domain` catch-all) with its domain shown in Unicode. */
export function displayAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : `${address.slice(0, at + 1)}${displayDomain(address.slice(at + 1))}`;
}
