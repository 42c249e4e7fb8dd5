// Keys derived from the server secret for one purpose each, so a value made for one use (a
// pending sign-in, an app password's hash, a sealed TOTP secret) is never valid for another.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { serverSecret } from './tokens';

export async function derivedKey(purpose: string): Promise<Buffer> {
  return createHmac('sha256', await serverSecret())
    .update(`postroom:${purpose}`)
    .digest();
}

/** HMAC-SHA256 of `value` under the purpose's key, in hex (64 characters). */
export async function keyedHash(purpose: string, value: string): Promise<string> {
  return createHmac('sha256', await derivedKey(purpose))
    .update(value)
    .digest('hex');
}

/** AES-256-GCM: a database dump alone does not give away the sealed value. */
export async function seal(purpose: string, plain: string): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await derivedKey(purpose), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

export async function unseal(purpose: string, sealed: string): Promise<string | null> {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', await derivedKey(purpose), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
