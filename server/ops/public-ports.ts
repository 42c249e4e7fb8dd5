// The host name and ports that mail clients are told to use (autoconfig, autodiscover, the Apple
// profile). What the outside sees can differ from what the worker binds: by default the listeners
// take unprivileged ports (2993, 2465, ...) behind a firewall redirect from the standard ones, so
// a listener left at its default is announced on its standard port (993, 465, ...), a listener
// moved by its POSTROOM_*_PORT setting on that port, and POSTROOM_PUBLIC_*_PORT overrides both
// (0: not announced at all, e.g. to keep POP3 out of client set-ups).
import { config } from '../core/config';

export type PublicService = 'imaps' | 'imap' | 'pop3s' | 'pop3' | 'smtps' | 'submission';

interface Listener {
  listenerSetting: string;
  listenerDefault: number;
  standard: number;
}

// RFC 8314 (implicit TLS 993, 995, 465), RFC 6409 (submission 587), RFC 9051 (143), RFC 1939 (110).
const LISTENERS: Record<PublicService, Listener> = {
  imaps: { listenerSetting: 'POSTROOM_IMAPS_PORT', listenerDefault: 2993, standard: 993 },
  imap: { listenerSetting: 'POSTROOM_IMAP_PORT', listenerDefault: 2143, standard: 143 },
  pop3s: { listenerSetting: 'POSTROOM_POP3S_PORT', listenerDefault: 2995, standard: 995 },
  pop3: { listenerSetting: 'POSTROOM_POP3_PORT', listenerDefault: 2110, standard: 110 },
  smtps: { listenerSetting: 'POSTROOM_SMTPS_PORT', listenerDefault: 2465, standard: 465 },
  submission: { listenerSetting: 'POSTROOM_SUBMISSION_PORT', listenerDefault: 2587, standard: 587 },
};

export function publicSettingName(service: PublicService): string {
  return `POSTROOM_PUBLIC_${service.toUpperCase()}_PORT`;
}

function portValue(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new Error(`${name} must be a port number, got "${raw}"`);
  return value;
}

/** The port clients should use for `service`, or null when it is not announced. */
export function publicPort(
  service: PublicService,
  env: Record<string, string | undefined> = process.env,
): number | null {
  const listener = LISTENERS[service];
  const override = env[publicSettingName(service)]?.trim();
  if (override) return portValue(publicSettingName(service), override) || null;
  const bound = env[listener.listenerSetting]?.trim();
  if (!bound) return listener.standard;
  const port = portValue(listener.listenerSetting, bound);
  return port === listener.listenerDefault ? listener.standard : port || null;
}

export interface ClientSettings {
  hostname: string;
  ports: Record<PublicService, number | null>;
}

export function clientSettings(env: Record<string, string | undefined> = process.env): ClientSettings {
  const services = Object.keys(LISTENERS) as PublicService[];
  return {
    hostname: config().hostname,
    ports: Object.fromEntries(services.map((service) => [service, publicPort(service, env)])) as Record<
      PublicService,
      number | null
    >,
  };
}
