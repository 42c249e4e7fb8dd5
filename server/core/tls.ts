// The TLS certificate every listener uses: POSTROOM_TLS_CERT/KEY when given, otherwise a
// self-signed certificate for the hostname, made once and kept in the data directory.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { config } from './config';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  selfSigned: boolean;
}

let cached: Promise<TlsMaterial> | undefined;

export function tlsMaterial(): Promise<TlsMaterial> {
  cached ??= load();
  return cached;
}

async function load(): Promise<TlsMaterial> {
  const { tlsCert, tlsKey, dataDir, hostname } = config();
  if (tlsCert && tlsKey) return { cert: readFileSync(tlsCert), key: readFileSync(tlsKey), selfSigned: false };
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true });
    // Loaded only here, on the first start: selfsigned (node-forge) costs ~19 MiB in every process.
    const { generate } = await import('selfsigned');
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
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(certPath, pems.cert);
  }
  return { cert: readFileSync(certPath), key: readFileSync(keyPath), selfSigned: true };
}

/** Options for tls.createServer / smtp-server: TLS 1.2 and newer only. */
export async function tlsServerOptions(): Promise<{ cert: Buffer; key: Buffer; minVersion: 'TLSv1.2' }> {
  const { cert, key } = await tlsMaterial();
  return { cert, key, minVersion: 'TLSv1.2' };
}
