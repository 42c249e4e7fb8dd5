// Hands new TLS material to running listeners without a restart. One timer per process asks
// tlsMaterial() (a stat of the files in use) and calls every subscriber when the material
// changed: an ACME renewal in another worker process, or an operator replacing POSTROOM_TLS_CERT.
// Connections already open keep the certificate they were set up with; new handshakes (implicit
// TLS and STARTTLS alike) get the new one.
import { logger } from './logger';
import { tlsMaterial, type TlsMaterial } from './tls';

type Listener = (material: TlsMaterial) => void;

const listeners = new Set<Listener>();
let timer: NodeJS.Timeout | undefined;
let current: TlsMaterial | undefined;

function intervalMs(): number {
  const raw = Number(process.env.POSTROOM_TLS_RELOAD_MS);
  return Number.isFinite(raw) && raw >= 100 ? raw : 30_000;
}

/** Looks once: calls the subscribers if the material differs from what they last got. */
export async function checkTlsMaterial(): Promise<boolean> {
  const material = await tlsMaterial();
  if (material === current) return false;
  const changed =
    current !== undefined && !(material.cert.equals(current.cert) && material.key.equals(current.key));
  current = material;
  if (!changed) return false;
  logger.info('tls certificate reloaded', { listeners: listeners.size });
  for (const listener of listeners) {
    try {
      listener(material);
    } catch (error) {
      logger.error('tls reload failed for a listener', { error: String(error) });
    }
  }
  return true;
}

/** Calls `listener` with each new certificate; returns the unsubscribe. */
export function onTlsMaterialChange(listener: Listener): () => void {
  listeners.add(listener);
  if (!current) void tlsMaterial().then((material) => (current ??= material));
  timer ??= setInterval(() => void checkTlsMaterial().catch(() => undefined), intervalMs()).unref();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
