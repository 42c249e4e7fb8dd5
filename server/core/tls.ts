// The TLS certificate every listener uses: POSTROOM_TLS_CERT/KEY when given, else the one ACME
// issued (server/acme/, when POSTROOM_ACME_DIRECTORY is set and it has one), otherwise a
// self-signed certificate for the hostname, made once and kept in the data directory. The files
// can change under a running server (an ACME renewal, certbot replacing POSTROOM_TLS_CERT):
// tlsMaterial() notices by their stat and reads them again (listeners: core/tls-reload.ts).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { config } from './config';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  selfSigned: boolean;
}

let cached: Promise<TlsMaterial> | undefined;
let cachedSignature = '';
let checkedAt = 0;
/** How often tlsMaterial() looks at the files again (a stat each): cheap, and a renewal waits no longer. */
const RECHECK_MS = 1000;

/** The key and certificate chain ACME keeps, one file written whole (server/acme/store.ts). */
export function acmeCertificatePath(dataDir = config().dataDir): string {
  return join(dataDir, 'acme', 'certificate.pem');
}

function acmeEnabled(): boolean {
  return Boolean(process.env.POSTROOM_ACME_DIRECTORY);
}

/** What the files in use look like now (path, inode, size, mtime): a change means new material. */
function signature(): string {
  const { tlsCert, tlsKey, dataDir } = config();
  const paths = tlsCert && tlsKey ? [tlsCert, tlsKey] : acmeEnabled() ? [acmeCertificatePath(dataDir)] : [];
  return paths
    .map((path) => {
      try {
        const stat = statSync(path);
        return `${path}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      } catch {
        return `${path}:absent`;
      }
    })
    .join('|');
}

export function tlsMaterial(): Promise<TlsMaterial> {
  const now = Date.now();
  if (cached && now - checkedAt < RECHECK_MS) return cached;
  checkedAt = now;
  const current = signature();
  if (!cached || current !== cachedSignature) {
    cachedSignature = current;
    const loading = load();
    // A failed read (a file half replaced by hand) keeps the material in use rather than none.
    const previous = cached;
    cached = previous ? loading.catch(() => previous) : loading;
  }
  return cached;
}

/** Splits a PEM bundle holding a private key and a certificate chain. */
export function splitKeyAndChain(pem: string): { key: string; chain: string } {
  const blocks = pem.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  const key = blocks.filter((block) => /PRIVATE KEY-----$/.test(block)).join('\n');
  const chain = blocks.filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----')).join('\n');
  return { key, chain };
}

async function load(): Promise<TlsMaterial> {
  const { tlsCert, tlsKey, dataDir } = config();
  if (tlsCert && tlsKey) return { cert: readFileSync(tlsCert), key: readFileSync(tlsKey), selfSigned: false };
  if (acmeEnabled() && existsSync(acmeCertificatePath(dataDir))) {
    const { key, chain } = splitKeyAndChain(readFileSync(acmeCertificatePath(dataDir), 'utf8'));
    if (key && chain)
      return { cert: Buffer.from(`${chain}\n`), key: Buffer.from(`${key}\n`), selfSigned: false };
  }
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) await generateInto(dir);
  return { cert: readFileSync(certPath), key: readFileSync(keyPath), selfSigned: true };
}

/**
 * Makes the self-signed pair in a private directory and renames it into place whole. Several
 * processes may start at once (the cluster's children, the web app): the first rename wins, the
 * others find a full directory and use that pair, so every listener and the webmail's pinned CA
 * agree on one certificate.
 */
async function generateInto(dir: string): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir}.new-`);
  try {
    // Loaded only here, on the first start: selfsigned (node-forge) costs ~19 MiB in every process.
    const { generate } = await import('selfsigned');
    const { hostname } = config();
    const pems = await generate([{ name: 'commonName', value: hostname }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 825 * 86_400_000),
      algorithm: 'sha256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: hostname },
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    writeFileSync(join(staging, 'key.pem'), pems.private, { mode: 0o600 });
    writeFileSync(join(staging, 'cert.pem'), pems.cert);
    try {
      // A half-made directory left by an older version holds one file or none: set it aside.
      if (existsSync(dir) && readdirSync(dir).length < 2) renameSync(dir, `${dir}.partial-${Date.now()}`);
      renameSync(staging, dir); // replaces an absent or empty directory only
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
      // another process won the race: its pair is the one in place
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Options for tls.createServer / smtp-server: TLS 1.2 and newer only. */
export async function tlsServerOptions(): Promise<{ cert: Buffer; key: Buffer; minVersion: 'TLSv1.2' }> {
  const { cert, key } = await tlsMaterial();
  return { cert, key, minVersion: 'TLSv1.2' };
}
