// SASL message decoding shared by SMTP, IMAP and POP3 (RFC 4616 PLAIN, the LOGIN mechanism,
// RFC 7628 OAUTHBEARER and Google's XOAUTH2).

export interface SaslCredentials {
  authzid: string;
  username: string;
  password: string;
}

function decodeBase64(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed === '=') return '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) return null;
  return Buffer.from(trimmed, 'base64').toString('utf8');
}

/** PLAIN: base64 of authzid NUL authcid NUL password. Null when malformed. */
export function decodePlain(base64: string): SaslCredentials | null {
  const text = decodeBase64(base64);
  if (text === null) return null;
  const parts = text.split('\0');
  if (parts.length !== 3 || !parts[1] || !parts[2]) return null;
  return { authzid: parts[0]!, username: parts[1], password: parts[2] };
}

/** One answer of the LOGIN mechanism: base64 of the user name, then of the password. */
export function decodeLoginField(base64: string): string | null {
  return decodeBase64(base64);
}

/**
 * The LOGIN mechanism's two challenges (draft-murchison-sasl-login section 2.1), in base64 as sent:
 * "Username:" then "Password:". Obsolete, but older clients offer nothing else.
 */
export const LOGIN_CHALLENGES = {
  username: Buffer.from('Username:').toString('base64'),
  password: Buffer.from('Password:').toString('base64'),
} as const;

export interface BearerCredentials {
  username: string;
  token: string;
}

/**
 * RFC 7628 section 3.2.2: the error challenge sent for a refused bearer token (XOAUTH2 alike);
 * whatever the client answers, the exchange then fails.
 */
export const BEARER_ERROR_CHALLENGE = Buffer.from(
  JSON.stringify({ status: 'invalid_token', schemes: 'bearer' }),
).toString('base64');

/** OAUTHBEARER (gs2 header `n,a=user,` then ^A-separated key=value pairs) or XOAUTH2. */
export function decodeBearer(base64: string, mechanism: 'OAUTHBEARER' | 'XOAUTH2'): BearerCredentials | null {
  const text = decodeBase64(base64);
  if (text === null) return null;
  const fields = text.split('\x01');
  let username = '';
  let token = '';
  if (mechanism === 'OAUTHBEARER') {
    const gs2 = /^n,(?:a=([^,]*))?,/.exec(fields[0] ?? '');
    if (!gs2) return null;
    username = (gs2[1] ?? '').replace(/=2C/g, ',').replace(/=3D/g, '=');
  }
  for (const field of fields) {
    if (field.startsWith('user=')) username = field.slice(5);
    if (field.startsWith('auth=')) token = field.slice(5).replace(/^Bearer\s+/i, '');
  }
  return token ? { username, token } : null;
}
