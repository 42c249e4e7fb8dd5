// When to order a certificate: none yet, names added or removed, or two thirds of its life gone
// (Let's Encrypt's 90 days renew at 60, the advice of its integration guide). A failed attempt is
// tried again after a growing pause; the worker in slot 0 runs this (server/worker.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { acmeCertificatePath, splitKeyAndChain } from '../core/tls';
import { logger } from '../core/logger';
import { certificateNames } from './names';
import { acmeSettings, retryBaseMs, type AcmeSettings } from './settings';
import { readAcmeState, updateAcmeState } from './state';

export interface CurrentCertificate {
  names: string[];
  notBefore: Date;
  notAfter: Date;
  issuer: string;
}

export function currentCertificate(): CurrentCertificate | null {
  const path = acmeCertificatePath();
  if (!existsSync(path)) return null;
  try {
    const { chain } = splitKeyAndChain(readFileSync(path, 'utf8'));
    const cert = new X509Certificate(chain);
    const names = (cert.subjectAltName ?? '')
      .split(/,\s*/)
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice(4).toLowerCase());
    return {
      names,
      notBefore: new Date(cert.validFrom),
      notAfter: new Date(cert.validTo),
      issuer: cert.issuer.replace(/\n/g, ', '),
    };
  } catch {
    return null;
  }
}

/** Two thirds into the certificate's life. */
export function renewalTime(cert: { notBefore: Date; notAfter: Date }): Date {
  const life = cert.notAfter.getTime() - cert.notBefore.getTime();
  return new Date(cert.notBefore.getTime() + (life * 2) / 3);
}

/** Why a new certificate is needed now, or null. */
export function renewalReason(
  cert: CurrentCertificate | null,
  names: string[],
  now = Date.now(),
): string | null {
  if (!cert) return 'no certificate yet';
  const missing = names.filter((name) => !cert.names.includes(name));
  if (missing.length) return `new names: ${missing.join(', ')}`;
  if (now >= renewalTime(cert).getTime()) return 'two thirds of its life are gone';
  return null;
}

/** One attempt if due (or `force`); records the outcome in state.json either way. */
export async function renewIfDue(
  settings: AcmeSettings,
  force = false,
): Promise<{ renewed: boolean; next: Date }> {
  const names = await certificateNames();
  const reason = force ? 'renewal asked for' : renewalReason(currentCertificate(), names);
  if (!reason) {
    const next = renewalTime(currentCertificate()!);
    updateAcmeState({ directoryUrl: settings.directoryUrl, names, nextRenewalAt: next.toISOString() });
    return { renewed: false, next };
  }
  const startedAt = new Date().toISOString();
  updateAcmeState({
    directoryUrl: settings.directoryUrl,
    names,
    lastAttemptAt: startedAt,
    runningSince: startedAt,
  });
  logger.info('acme order starting', { names, reason });
  try {
    // acme-client (with axios, node-forge and @peculiar/x509) only when an order runs: not in an
    // idle worker's memory between renewals, or at all without POSTROOM_ACME_DIRECTORY.
    const { issueCertificate } = await import('./issue');
    const issued = await issueCertificate(settings, names);
    const next = renewalTime(issued);
    updateAcmeState({
      lastSuccessAt: new Date().toISOString(),
      lastError: undefined,
      runningSince: undefined,
      nextRenewalAt: next.toISOString(),
    });
    return { renewed: true, next };
  } catch (error) {
    updateAcmeState({
      lastError: error instanceof Error ? error.message : String(error),
      runningSince: undefined,
    });
    throw error;
  }
}

/** Keeps the certificate current until the returned stop is called. Does nothing when ACME is off. */
export function startAcme(): () => void {
  const settings = acmeSettings();
  if (!settings) return () => {};
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const schedule = (at: number) => {
    if (stopped) return;
    // setTimeout holds at most ~24.8 days; a later renewal is looked at again in between.
    const delay = Math.min(Math.max(at - Date.now(), 0), 6 * 3_600_000);
    updateAcmeState({ nextRenewalAt: new Date(at).toISOString() });
    timer = setTimeout(() => void run(), delay);
    timer.unref();
  };
  const run = async () => {
    try {
      const { next } = await renewIfDue(settings);
      failures = 0;
      schedule(next.getTime());
    } catch (error) {
      failures++;
      const wait = Math.min(retryBaseMs() * 2 ** (failures - 1), 3_600_000);
      logger.warn('acme order failed', { error: String(error), retryInMs: wait });
      schedule(Date.now() + wait);
    }
  };
  // A run interrupted by a stop or crash left runningSince: it is not running any more.
  if (readAcmeState().runningSince) updateAcmeState({ runningSince: undefined });
  void run();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
