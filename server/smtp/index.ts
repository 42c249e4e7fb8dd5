// The SMTP listeners: MX (port 25 role), submission (587: STARTTLS then AUTH) and submissions
// (465: implicit TLS, RFC 8314). Ports default to config(); 0 binds an ephemeral port.
import type { AddressInfo } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { config } from '../core/config';
import { flushEvents } from '../core/events';
import { tlsServerOptions } from '../core/tls';
import { onTlsMaterialChange } from '../core/tls-reload';
import { holdSettingOverrides, onSettingOverridesChange } from '../domain/settings-cache';
import { closeListener, createListener } from './server';
import { smtpSettings, type SmtpSettings } from './settings';
import type { ListenerKind } from './session';

export interface SmtpServersOptions {
  host?: string;
  port?: number;
  submissionPort?: number;
  smtpsPort?: number;
  settings?: Partial<SmtpSettings>;
}

export interface RunningSmtpServers {
  ports: Record<string, number>;
  /** Sessions still receiving DATA get `graceMs` (10 s by default) to finish before a 421. */
  close(graceMs?: number): Promise<void>;
}

function listen(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => {
      server.server.off('error', reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
}

export async function startSmtpServers(options: SmtpServersOptions = {}): Promise<RunningSmtpServers> {
  const cfg = config();
  const host = options.host ?? cfg.listen;
  const releaseOverrides = await holdSettingOverrides();
  // One settings object shared by every session handler, updated in place when the console
  // changes an override; smtp-server reads size/maxRecipients/socketTimeout from server.options
  // per command, so those are copied there too (affects new EHLO/MAIL/DATA, not a DATA in flight).
  const settings = smtpSettings(options.settings);
  const tls = await tlsServerOptions();
  const plan: Array<[ListenerKind, string, number]> = [
    ['mx', 'smtp', options.port ?? cfg.smtpPort],
    ['submission', 'submission', options.submissionPort ?? cfg.submissionPort],
    ['submissions', 'smtps', options.smtpsPort ?? cfg.smtpsPort],
  ];
  const servers: SMTPServer[] = [];
  const ports: Record<string, number> = {};
  try {
    for (const [kind, name, port] of plan) {
      const server = createListener(kind, settings, tls);
      ports[name] = await listen(server, port, host);
      servers.push(server);
    }
  } catch (error) {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    releaseOverrides();
    throw error;
  }
  const unsubscribe = onSettingOverridesChange(() => {
    Object.assign(settings, smtpSettings(options.settings));
    for (const server of servers) {
      server.options.size = settings.maxMessageBytes;
      server.options.maxRecipients = settings.maxRecipients;
      server.options.socketTimeout = settings.idleTimeoutMs;
    }
  });
  // A renewed certificate: smtp-server rebuilds the context its STARTTLS and SMTPS upgrades use.
  const stopReload = onTlsMaterialChange(({ cert, key }) => {
    for (const server of servers) server.updateSecureContext({ cert, key });
  });
  return {
    ports,
    close: (graceMs = 10_000) => {
      stopReload();
      unsubscribe();
      releaseOverrides();
      return Promise.all(servers.map((server) => closeListener(server, graceMs))).then(() => flushEvents());
    },
  };
}

export { smtpSettings, type SmtpSettings } from './settings';
