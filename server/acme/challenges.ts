// HTTP-01 (RFC 8555 8.3): the worker writes each token's key authorization to a file under
// DATA_DIR/acme/challenges/ and the web app serves it at /.well-known/acme-challenge/<token>.
// Tokens are base64url (8.3): anything else is refused before it could name a path.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileWhole } from './files';
import { acmeDir } from './settings';

const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

function challengePath(token: string, dataDir?: string): string | null {
  return TOKEN.test(token) ? join(acmeDir(dataDir), 'challenges', token) : null;
}

export function storeChallenge(token: string, keyAuthorization: string): void {
  const path = challengePath(token);
  if (!path) throw new Error(`the ACME server sent a malformed token "${token.slice(0, 40)}"`);
  writeFileWhole(path, keyAuthorization);
}

export function removeChallenge(token: string): void {
  const path = challengePath(token);
  if (path) rmSync(path, { force: true });
}

/** The key authorization to answer for `token`, or null (unknown or malformed token). */
export function challengeResponse(token: string, dataDir?: string): string | null {
  const path = challengePath(token, dataDir);
  if (!path) return null;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The web route's answer (app/.well-known/acme-challenge/[token]/route.ts). */
export function challengeHttpResponse(token: string): Response {
  const body = challengeResponse(token);
  return body === null
    ? new Response('No such challenge\n', { status: 404, headers: { 'content-type': 'text/plain' } })
    : new Response(body, {
        status: 200,
        headers: { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' },
      });
}
