// IMAP URLs (RFC 5092) naming one message or part, as CATENATE (RFC 4469) and URLAUTH (RFC 4467)
// use them: imap://user@host/mailbox;UIDVALIDITY=n/;UID=n/;SECTION=s/;PARTIAL=o.l with an
// optional ;EXPIRE= and ;URLAUTH=access[:mechanism:token]. Relative references are resolved
// against a base (RFC 3986 section 5.2, the cases IMAP clients send). Anything else is null.
import { parseSectionSpec, type SectionSpec } from '../mime';

export interface UrlAuth {
  expire: Date | null;
  /** "user", "submit", "authuser", "anonymous" or another application name, lower case. */
  application: string;
  /** The userid after "user+" / "submit+", decoded. */
  accessUser: string | null;
  /** The URL through the access identifier: the text the verifier signs. */
  rump: string;
  mechanism: string | null;
  token: string | null;
}

export interface ImapUrl {
  user: string | null;
  host: string;
  mailbox: string;
  uidValidity: number | null;
  uid: number;
  section: SectionSpec | null;
  partial: { start: number; length: number | null } | null;
  urlauth: UrlAuth | null;
}

const NUMBER = /^[1-9]\d{0,9}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** %XX escapes undone as UTF-8 (RFC 5092 section 3); null for a bad escape or invalid UTF-8. */
export function percentDecode(text: string): string | null {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return null;
  const bytes = Buffer.from(
    text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  const plain = text.replace(/%[0-9A-Fa-f]{2}/g, '');
  if (/[^\x21-\x7e]/.test(plain)) return null;
  const decoded = bytes.toString('utf8');
  return Buffer.from(decoded, 'utf8').equals(bytes) ? decoded : null;
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(/%2F/g, '/');
}

/** The base for relative URLs: the selected mailbox, or the user's server root (RFC 4469 section 5). */
export function baseUrl(
  address: string,
  host: string,
  mailbox?: { name: string; uidValidity: number },
): string {
  const root = `imap://${encode(address)}@${host}/`;
  return mailbox ? `${root}${encode(mailbox.name)};UIDVALIDITY=${mailbox.uidValidity}/` : root;
}

/** A reference made absolute: full URLs stay, "//host/..." and "/mailbox..." keep only the base's scheme or authority, others go after the base's last "/". */
export function resolveImapUrl(reference: string, base: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(reference)) return reference;
  if (reference.startsWith('//')) return `imap:${reference}`;
  const authority = /^imap:\/\/[^/]*/i.exec(base)![0];
  if (reference.startsWith('/')) return `${authority}${reference}`;
  return `${base.slice(0, base.lastIndexOf('/') + 1)}${reference}`;
}

function parseAccess(value: string, text: string): UrlAuth | null {
  const verifier = /^([^:]*):([A-Za-z0-9.-]+):([0-9A-Fa-f]{32,})$/.exec(value);
  const access = verifier ? verifier[1]! : value;
  const rump = verifier ? text.slice(0, text.length - verifier[2]!.length - verifier[3]!.length - 2) : text;
  const withUser = /^([A-Za-z0-9.-]+)\+(.+)$/.exec(access);
  if (!withUser && !/^[A-Za-z0-9.-]+$/.test(access)) return null;
  const accessUser = withUser ? percentDecode(withUser[2]!.replace(/@/g, '%40')) : null;
  if (withUser && accessUser === null) return null;
  const application = (withUser ? withUser[1]! : access).toLowerCase();
  return {
    expire: null,
    application,
    accessUser,
    rump,
    mechanism: verifier ? verifier[2]!.toUpperCase() : null,
    token: verifier ? verifier[3]!.toLowerCase() : null,
  };
}

/** An absolute imap:// URL of a message or part; null for server, mailbox or search URLs and bad syntax. */
export function parseImapUrl(text: string): ImapUrl | null {
  const match = /^imap:\/\/([^/]*)\/([^?#]+)$/i.exec(text);
  if (!match) return null;
  const authority = match[1]!;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at).replace(/;AUTH=.*$/i, '') : null;
  const user = userinfo === null ? null : percentDecode(userinfo);
  const host = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/
    .exec(authority.slice(at + 1))?.[1]
    ?.toLowerCase();
  if (!host || (userinfo !== null && !user)) return null;

  const pieces = match[2]!.split(';');
  let segmentStart = pieces[0]!.endsWith('/');
  const mailbox = percentDecode(segmentStart ? pieces[0]!.slice(0, -1) : pieces[0]!);
  if (!mailbox) return null;
  const url: ImapUrl = {
    user,
    host,
    mailbox,
    uidValidity: null,
    uid: 0,
    section: null,
    partial: null,
    urlauth: null,
  };
  let expire: Date | null = null;
  for (let i = 1; i < pieces.length; i++) {
    let piece = pieces[i]!;
    const nextStart = piece.endsWith('/');
    if (nextStart) piece = piece.slice(0, -1);
    const eq = piece.indexOf('=');
    const name = piece.slice(0, eq).toUpperCase();
    const value = piece.slice(eq + 1);
    if (eq < 0 || url.urlauth) return null;
    if (name === 'UIDVALIDITY' && !segmentStart && !url.uid && url.uidValidity === null && NUMBER.test(value))
      url.uidValidity = Number(value);
    else if (name === 'UID' && segmentStart && !url.uid && NUMBER.test(value)) url.uid = Number(value);
    else if (name === 'SECTION' && segmentStart && url.uid && !url.section && !url.partial) {
      const spec = percentDecode(value);
      url.section = spec === null ? null : parseSectionSpec(spec);
      if (!url.section) return null;
    } else if (name === 'PARTIAL' && segmentStart && url.uid && !url.partial) {
      const range = /^(\d{1,10})(?:\.([1-9]\d{0,9}))?$/.exec(value);
      if (!range) return null;
      url.partial = { start: Number(range[1]), length: range[2] ? Number(range[2]) : null };
    } else if (name === 'EXPIRE' && !segmentStart && url.uid && !expire && DATE_TIME.test(value))
      expire = new Date(value);
    else if (name === 'URLAUTH' && !segmentStart && url.uid && !nextStart) {
      url.urlauth = parseAccess(value, text);
      if (!url.urlauth) return null;
      url.urlauth.expire = expire;
    } else return null;
    segmentStart = nextStart;
  }
  if (!url.uid || (expire && !url.urlauth) || url.uid > 0xffffffff || (url.uidValidity ?? 0) > 0xffffffff)
    return null;
  return url;
}

/** An astring for responses: an atom when the text allows, else a quoted string. */
export function urlAstring(text: string): string {
  if (/^[\x21-\x7e]+$/.test(text) && !/[(){%*"\\\]]/.test(text)) return text;
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
