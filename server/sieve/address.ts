// Addresses for the address/envelope tests (RFC 5228 2.7.4) and redirect/vacation targets.
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { dropStrayComments } from '../mime/address-comments';
import type { AddressPart } from './compiled';

const ATEXT_RUN = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const QUOTED = /^"(?:[^"\\\r\n]|\\.)*"$/;
const DOMAIN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const LITERAL = /^\[[^\][\\\s]+\]$/;

/**
 * RFC 5228 4.2: a redirect (or vacation :from) target: an addr-spec, optionally as a name-addr
 * ("Name <a@b>"). Returns the bare address, or null. Obsolete local parts with stray dots pass, as
 * in Pigeonhole; non-ASCII and lists do not.
 */
export function parseMailbox(text: string): string | null {
  let spec = text.trim();
  const angle = /^([^<>]*)<([^<>]*)>$/.exec(spec);
  if (angle) {
    if (/[@,;:]/.test(angle[1].replace(/"[^"]*"/g, ''))) return null;
    spec = angle[2].trim();
  }
  const at = spec.lastIndexOf('@');
  if (at <= 0) return null;
  const local = spec.slice(0, at).trim();
  const domain = spec.slice(at + 1).trim();
  if (!(ATEXT_RUN.test(local) || QUOTED.test(local))) return null;
  if (!(DOMAIN.test(domain) || LITERAL.test(domain))) return null;
  const address = `${normaliseLocal(local)}@${domain}`;
  return address.length <= 320 ? address : null;
}

/** RFC 5321 4.1.2: a quoted local part that needs no quotes is written without them. */
function normaliseLocal(local: string): string {
  if (!local.startsWith('"')) return local;
  const inner = local.slice(1, -1).replace(/\\(.)/g, '$1');
  return DOT_ATOM.test(inner) ? inner : local;
}

export function isValidAddress(text: string): boolean {
  return parseMailbox(text) !== null;
}

/**
 * The addresses of a header value (groups flattened, comments dropped). Unparsable entries come
 * back as written, and an empty field as one empty address (RFC 5228 2.7.4: ":all" still sees them).
 */
export function headerAddresses(value: string): string[] {
  if (value.trim() === '') return [''];
  const found: string[] = [];
  for (const entry of addressparser(dropStrayComments(value), { flatten: true })) {
    if (entry.address) found.push(entry.address);
    else if (entry.name) found.push(entry.name);
  }
  return found;
}

/**
 * RFC 5228 2.7.4: the part of an address a test compares; null when the part does not exist (an
 * invalid address matches only with ":all").
 */
export function addressPart(address: string, part: AddressPart): string | null {
  if (part === 'all') return address;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return part === 'localpart' ? address.slice(0, at) : address.slice(at + 1);
}

/**
 * RFC 5228 5.1: the address test is restricted to headers that hold addresses (the standard ones
 * and the common non-standard ones); others are a compile error.
 */
export const ADDRESS_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'reply-to',
  'resent-from',
  'resent-to',
  'resent-cc',
  'resent-bcc',
  'resent-sender',
  'resent-reply-to',
  'return-path',
  'delivered-to',
  'errors-to',
  'apparently-to',
  'for-approval',
  'for-handling',
  'for-comment',
  'return-receipt-to',
  'read-receipt-to',
  'disposition-notification-to',
  'x-admin',
  'x-confirm-reading-to',
  'return-receipt-requested',
  'registered-mail-reply-requested-by',
  'mail-followup-to',
  'mail-reply-to',
  'abuse-reports-to',
  'x-complaints-to',
  'x-report-abuse-to',
  'x-beenthere',
  'x-original-from',
  'x-original-to',
]);

const PATH_LOCAL = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+|"(?:[^"\\\r\n]|\\.)*")$/;
const PATH_DOMAIN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$|^\[[^\][\\\s]+\]$/;
const ROUTE = /^@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*(?:,@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)*:/;

/**
 * RFC 5321 4.1.2 paths as the envelope test reads them: angle brackets and source routes dropped,
 * "" for the null path, a bare local part allowed (postmaster, MAILER-DAEMON); null when the
 * path is not valid (it then matches nothing, RFC 5228 5.4).
 */
export function parseEnvelopePath(text: string): string | null {
  let path = text.trim();
  if (path.startsWith('<') || path.endsWith('>')) {
    if (!/^<[^<>]*>$/.test(path)) return null;
    path = path.slice(1, -1).trim();
  }
  if (path === '') return '';
  if (path.startsWith('@')) {
    const route = ROUTE.exec(path);
    if (!route) return null;
    path = path.slice(route[0].length);
  }
  const at = path.lastIndexOf('@');
  if (at < 0) return PATH_LOCAL.test(path) ? path : null;
  const local = path.slice(0, at);
  const domain = path.slice(at + 1);
  return PATH_LOCAL.test(local) && PATH_DOMAIN.test(domain) ? path : null;
}
