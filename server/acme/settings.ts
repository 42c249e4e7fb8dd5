// ACME is on when POSTROOM_ACME_DIRECTORY names a directory URL (RFC 8555 7.1.1), e.g. Let's
// Encrypt's https://acme-v02.api.letsencrypt.org/directory. What it keeps lives in DATA_DIR/acme/.
import { join } from 'node:path';
import { config } from '../core/config';

export interface AcmeSettings {
  directoryUrl: string;
  email: string | undefined;
  dir: string;
}

export function acmeSettings(): AcmeSettings | null {
  const directoryUrl = process.env.POSTROOM_ACME_DIRECTORY;
  if (!directoryUrl) return null;
  if (!/^https?:\/\//.test(directoryUrl))
    throw new Error(`POSTROOM_ACME_DIRECTORY must be an http(s) URL, got "${directoryUrl}"`);
  return { directoryUrl, email: process.env.POSTROOM_ACME_EMAIL || undefined, dir: acmeDir() };
}

export function acmeDir(dataDir = config().dataDir): string {
  return join(dataDir, 'acme');
}

/** After a failure the next attempt waits this long, doubling up to an hour. */
export function retryBaseMs(): number {
  const raw = Number(process.env.POSTROOM_ACME_RETRY_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : 60_000;
}
