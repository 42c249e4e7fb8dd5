// The one name a login attempt is checked and counted under, whatever spelling the client sent:
// upper case, a trailing dot on the domain (an absolute name, RFC 1034 section 3.1), an IDN in
// Unicode or in punycode (RFC 5891) and an address at an alias domain all name the same mailbox.
// Unknown users are counted under their normalised name, so spelling games gain no extra guesses.
import { domainToASCII } from 'node:url';
import { parseStoredDate, rawDb } from '../store/raw';

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

/** What a login needs of its mailbox row; `passkeys` counts its passkeys (two-factor). */
export interface LoginUserRow {
  id: number;
  local: string;
  domain: string;
  displayName: string;
  role: string;
  passwordHash: string;
  enabled: boolean;
  totpEnabledAt: Date | null;
  passkeys: number;
}

interface LoginRow {
  domain_name: string;
  domain_enabled: number | boolean;
  alias_domain: string | null;
  alias_enabled: number | boolean | null;
  id: number | null;
  local: string | null;
  user_domain: string | null;
  display_name: string | null;
  role: string | null;
  password_hash: string | null;
  enabled: number | boolean | null;
  totp_enabled_at: unknown;
  passkeys: number | bigint | null;
}

// The domain, the domain it aliases, the mailbox and its passkey count in one plain-SQL read
// (store/raw.ts) instead of four ORM queries; on SQLite answered from memory while the database
// is unchanged.
const LOGIN_SQL = `SELECT d.domain AS domain_name, d.enabled AS domain_enabled, a.domain AS alias_domain, a.enabled AS alias_enabled,
  u.id, u.local, u.domain AS user_domain, u.display_name, u.role, u.password_hash, u.enabled, u.totp_enabled_at,
  (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys
  FROM domains d LEFT JOIN domains a ON a.id = d.alias_of_id
  LEFT JOIN users u ON u.local = ? AND u.domain = COALESCE(a.domain, d.domain)
  WHERE d.domain = ?`;

async function findLoginUser(name: LoginName) {
  const [row] = await rawDb().readCached<LoginRow>(LOGIN_SQL, [name.local, name.domain]);
  if (!row) return { realDomain: name.domain, user: null, domainEnabled: false };
  const realDomain = row.alias_domain ?? row.domain_name;
  const user: LoginUserRow | null =
    row.id === null
      ? null
      : {
          id: Number(row.id),
          local: String(row.local),
          domain: String(row.user_domain),
          displayName: String(row.display_name),
          role: String(row.role),
          passwordHash: String(row.password_hash),
          enabled: Boolean(row.enabled),
          totpEnabledAt: row.totp_enabled_at == null ? null : parseStoredDate(row.totp_enabled_at),
          passkeys: Number(row.passkeys ?? 0),
        };
  const domainEnabled =
    Boolean(row.domain_enabled) && (row.alias_domain === null || Boolean(row.alias_enabled));
  return { realDomain, user, domainEnabled };
}

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
