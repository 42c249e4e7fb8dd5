// One certificate order (RFC 8555 7.4) with acme-client: the account (its key kept in
// DATA_DIR/acme/account.pem, registered on first use), a fresh RSA key and CSR for the names,
// HTTP-01 answered through challenges.ts, and the key plus chain stored in one file written
// whole (core/tls.ts reads it; every listener reloads it, core/tls-reload.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import acme from 'acme-client';
import { acmeCertificatePath } from '../core/tls';
import { logger } from '../core/logger';
import { removeChallenge, storeChallenge } from './challenges';
import { writeFileWhole } from './files';
import type { AcmeSettings } from './settings';

export interface IssuedCertificate {
  names: string[];
  notBefore: Date;
  notAfter: Date;
  issuer: string;
}

async function accountKey(settings: AcmeSettings): Promise<Buffer> {
  const path = join(settings.dir, 'account.pem');
  if (existsSync(path)) return readFileSync(path);
  const key = await acme.crypto.createPrivateEcdsaKey('P-256');
  writeFileWhole(path, key.toString());
  return key;
}

export async function issueCertificate(settings: AcmeSettings, names: string[]): Promise<IssuedCertificate> {
  const client = new acme.Client({
    directoryUrl: settings.directoryUrl,
    accountKey: await accountKey(settings),
  });
  const [key, csr] = await acme.crypto.createCsr(
    { commonName: names[0], altNames: names },
    await acme.crypto.createPrivateRsaKey(2048),
  );
  const chain = await client.auto({
    csr,
    email: settings.email,
    termsOfServiceAgreed: true,
    challengePriority: ['http-01'],
    // The CA checks the web port itself; a local self-check would need our own public DNS.
    skipChallengeVerification: true,
    challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
      storeChallenge(challenge.token, keyAuthorization);
    },
    challengeRemoveFn: async (_authz, challenge) => {
      removeChallenge(challenge.token);
    },
  });
  writeFileWhole(acmeCertificatePath(), `${key.toString().trim()}\n${chain.trim()}\n`);
  const info = acme.crypto.readCertificateInfo(chain);
  logger.info('acme certificate issued', { names, notAfter: info.notAfter.toISOString() });
  return { names, notBefore: info.notBefore, notAfter: info.notAfter, issuer: info.issuer.commonName };
}
