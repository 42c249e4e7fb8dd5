// The one name a login attempt is checked and counted under, whatever spelling the client sent:
// upper case, a trailing dot on the domain (an absolute name, RFC 1034 section 3.1), an IDN in
// Unicode or in punycode (RFC 5891) and an address at an alias domain all name the same mailbox.
// Unknown users are counted under their normalised name, so spelling games gain no extra guesses.
import { domainToASCII } from 'node:url';
import { db } from '../core/db';

const MAX_LOGIN_NAME = 320;

export interface LoginName {
  local: string;
  domain: string;
}

/** Lower case (NFC), the domain as punycode without trailing dots; null when not local@domain. */
export function normalizeLoginName(raw: string): LoginName | null {
  const name = raw.trim().slice(0, MAX_LOGIN_NAME).normalize('NFC');
  const at = name.lastIndexOf('@');
  if (at <= 0) return null;
  const local = name.slice(0, at).toLowerCase();
  const written = name.slice(at + 1).toLowerCase();
  // domainToASCII applies the IDNA mapping (RFC 5895: full-width dots, case) or gives '' when invalid.
  const domain = (domainToASCII(written) || written).replace(/\.+$/, '');
  return domain ? { local, domain } : null;
}

async function findLoginUser(name: LoginName) {
  const domain = await db().domain.findUnique({ where: { domain: name.domain }, include: { aliasOf: true } });
  if (!domain) return { realDomain: name.domain, user: null, domainEnabled: false };
  const realDomain = domain.aliasOf?.domain ?? domain.domain;
  const user = await db().user.findUnique({
    where: { local_domain: { local: name.local, domain: realDomain } },
  });
  return { realDomain, user, domainEnabled: domain.enabled && (domain.aliasOf?.enabled ?? true) };
}

export type LoginUserRow = NonNullable<Awaited<ReturnType<typeof findLoginUser>>['user']>;

export interface LoginAccount {
  /** The mailbox's address, or the normalised name when no mailbox has it: the throttling key. */
  canonical: string;
  user: LoginUserRow | null;
  domainEnabled: boolean;
}

/** Resolves a login name to its mailbox (following an alias domain) and its canonical name. */
export async function resolveLoginName(raw: string): Promise<LoginAccount> {
  const name = normalizeLoginName(raw);
  if (!name) {
    const canonical = raw.trim().slice(0, MAX_LOGIN_NAME).normalize('NFC').toLowerCase();
    return { canonical, user: null, domainEnabled: false };
  }
  const found = await findLoginUser(name);
  return {
    canonical: `${name.local}@${found.realDomain}`.slice(0, MAX_LOGIN_NAME),
    user: found.user,
    domainEnabled: found.domainEnabled,
  };
}
