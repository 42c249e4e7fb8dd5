// The certificate the listeners use, for the dashboard's expiry warning and the Settings page.
// Read only: making the self-signed certificate is the worker's job (core/tls.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { config } from '../core/config';
import { acmeCertificatePath, splitKeyAndChain } from '../core/tls';
import { readAcmeState, type AcmeState } from '../acme/state';

export interface CertificateStatus {
  path: string;
  present: boolean;
  selfSigned: boolean;
  /** Where it comes from: POSTROOM_TLS_CERT, ACME (POSTROOM_ACME_DIRECTORY) or made here. */
  source: 'given' | 'acme' | 'self-signed';
  /** With ACME on: its directory and what it did last (server/acme/state.ts). */
  acme?: AcmeState & { directoryUrl: string };
  subject?: string;
  issuer?: string;
  names?: string;
  validTo?: Date;
  daysLeft?: number;
  error?: string;
}

export function certificateStatus(now = Date.now()): CertificateStatus {
  const { tlsCert, dataDir } = config();
  const directoryUrl = process.env.POSTROOM_ACME_DIRECTORY;
  const acme = directoryUrl && !tlsCert ? { ...readAcmeState(dataDir), directoryUrl } : undefined;
  const fromAcme = Boolean(acme && existsSync(acmeCertificatePath(dataDir)));
  const path = tlsCert ?? (fromAcme ? acmeCertificatePath(dataDir) : join(dataDir, 'tls', 'cert.pem'));
  const source = tlsCert ? 'given' : fromAcme ? 'acme' : 'self-signed';
  if (!existsSync(path)) return { path, present: false, selfSigned: !tlsCert, source, acme };
  try {
    const pem = readFileSync(path, 'utf8');
    const cert = new X509Certificate(fromAcme ? splitKeyAndChain(pem).chain : pem);
    const validTo = new Date(cert.validTo);
    return {
      path,
      present: true,
      selfSigned: source === 'self-signed' || cert.issuer === cert.subject,
      source,
      acme,
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      names: cert.subjectAltName ?? undefined,
      validTo,
      daysLeft: Math.floor((validTo.getTime() - now) / 86_400_000),
    };
  } catch (error) {
    return { path, present: true, selfSigned: !tlsCert, source, acme, error: String(error) };
  }
}
