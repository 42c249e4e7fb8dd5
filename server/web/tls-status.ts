// The certificate the listeners use, for the dashboard's expiry warning and the Settings page.
// Read only: making the self-signed certificate is the worker's job (core/tls.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { config } from '../core/config';

export interface CertificateStatus {
  path: string;
  present: boolean;
  selfSigned: boolean;
  subject?: string;
  names?: string;
  validTo?: Date;
  daysLeft?: number;
  error?: string;
}

export function certificateStatus(now = Date.now()): CertificateStatus {
  const { tlsCert, dataDir } = config();
  const path = tlsCert ?? join(dataDir, 'tls', 'cert.pem');
  if (!existsSync(path)) return { path, present: false, selfSigned: !tlsCert };
  try {
    const cert = new X509Certificate(readFileSync(path));
    const validTo = new Date(cert.validTo);
    return {
      path,
      present: true,
      selfSigned: !tlsCert || cert.issuer === cert.subject,
      subject: cert.subject.replace(/\n/g, ', '),
      names: cert.subjectAltName ?? undefined,
      validTo,
      daysLeft: Math.floor((validTo.getTime() - now) / 86_400_000),
    };
  } catch (error) {
    return { path, present: true, selfSigned: !tlsCert, error: String(error) };
  }
}
