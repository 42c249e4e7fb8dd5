// Where the reference Postfix + Dovecot (bench/reference/up.sh) listens and keeps its files, and
// who can log in to it: the benches and the cross-check tests read these, never a fixed path.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder: up.sh and the Python load scripts live here. */
export const REFERENCE_SCRIPTS = fileURLToPath(new URL('.', import.meta.url));
/** The reference's state; up.sh uses the same default. */
export const REFERENCE_DIR = process.env.REF_DIR ?? join(tmpdir(), 'postroom-ref');

export const REFERENCE_PORTS = {
  smtp: 11025,
  lmtp: 11024,
  imap: 11143,
  imaps: 11993,
  pop3: 11110,
  pop3s: 11995,
} as const;

export const REFERENCE_USERS: readonly { address: string; password: string }[] = [
  { address: 'alice@example.test', password: 'Alice-pw-1234!' },
  { address: 'bob@example.test', password: 'Bob-pw-5678!' },
  { address: 'testuser@example.test', password: 'pass' },
  ...Array.from({ length: 100 }, (_, i) => ({ address: `bench${i + 1}@example.test`, password: 'pass' })),
];

/** A reference user's Maildir `new/` folder (where Dovecot's LMTP delivers). */
export function referenceMaildirNew(local: string): string {
  return join(REFERENCE_DIR, 'dovecot', 'mail', 'example.test', local, 'Maildir', 'new');
}
