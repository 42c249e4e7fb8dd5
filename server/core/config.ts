// Every setting Postroom reads from the environment, with its default, in one place.
import { resolve } from 'node:path';
import { hostname } from 'node:os';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new Error(`${name} must be a port number, got "${raw}"`);
  return value;
}

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  hostname: string;
  listen: string;
  webPort: number;
  smtpPort: number;
  submissionPort: number;
  smtpsPort: number;
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
  /** ManageSieve (RFC 5804): STARTTLS on the one port. */
  manageSievePort: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  relayHost: string | undefined;
}

export function loadConfig(): Config {
  return {
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: resolve(process.env.POSTROOM_DATA_DIR || './data'),
    hostname: process.env.POSTROOM_HOSTNAME || hostname(),
    listen: process.env.POSTROOM_LISTEN || '127.0.0.1',
    webPort: port('PORT', 3000),
    smtpPort: port('POSTROOM_SMTP_PORT', 2525),
    submissionPort: port('POSTROOM_SUBMISSION_PORT', 2587),
    smtpsPort: port('POSTROOM_SMTPS_PORT', 2465),
    imapPort: port('POSTROOM_IMAP_PORT', 2143),
    imapsPort: port('POSTROOM_IMAPS_PORT', 2993),
    pop3Port: port('POSTROOM_POP3_PORT', 2110),
    pop3sPort: port('POSTROOM_POP3S_PORT', 2995),
    manageSievePort: port('POSTROOM_MANAGESIEVE_PORT', 4190),
    tlsCert: process.env.POSTROOM_TLS_CERT || undefined,
    tlsKey: process.env.POSTROOM_TLS_KEY || undefined,
    relayHost: process.env.POSTROOM_RELAYHOST || undefined,
  };
}

let cached: Config | undefined;
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
