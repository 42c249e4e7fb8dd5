// Addresses for the address/envelope tests (RFC 5228 2.7.4) and redirect targets.
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { AddressPart } from './compiled';

const ADDR_SPEC = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** A plain addr-spec fit to be a redirect target. */
export function isValidAddress(address: string): boolean {
  const trimmed = address.trim();
  return trimmed.length <= 320 && ADDR_SPEC.test(trimmed) && !trimmed.split('@')[1].includes('..');
}

/** The addresses of a header value (groups flattened); unparsable entries come back as written. */
export function headerAddresses(value: string): string[] {
  const found: string[] = [];
  for (const entry of addressparser(value, { flatten: true })) {
    if (entry.address) found.push(entry.address);
  }
  return found;
}

/** RFC 5228 2.7.4: the part of an address a test compares; null when the part does not exist. */
export function addressPart(address: string, part: AddressPart): string | null {
  if (part === 'all') return address;
  const at = address.lastIndexOf('@');
  if (part === 'localpart') return at < 0 ? address : address.slice(0, at);
  return at < 0 ? null : address.slice(at + 1);
}
