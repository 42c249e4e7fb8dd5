import type { Metadata } from 'next';
import { requireSuper } from '@/server/domain';
import { config } from '@/server/core/config';
import { storageState } from '@/server/core/disk-space';
import { maintenanceSettings } from '@/server/core/maintenance-settings';
import { smtpEnvSettings, smtpSettings } from '@/server/smtp/settings';
import { queueEnvSettings, queueSettings } from '@/server/queue/settings';
import { refreshSettingOverrides } from '@/server/domain/settings-cache';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { certificateStatus, type CertificateStatus } from '@/server/web/tls-status';
import { SESSION_MAX_AGE_SECONDS, secureCookies } from '@/server/web/auth-options';
import { Badge, PageHeader } from '@/components/ui/page';
import { LocalTime } from '@/components/ui/format';
import { formatBytes, formatCount } from '@/components/ui/numbers';
import { SettingsForm } from '@/components/admin/settings-forms';

export const metadata: Metadata = { title: 'Settings' };

type Row = [label: string, value: React.ReactNode, variable: string];

/** What ACME is doing (server/acme/state.ts): shown under the certificate when it is on. */
function acmeRows(acme: CertificateStatus['acme']): Row[] {
  if (!acme) return [['ACME', 'off', 'POSTROOM_ACME_DIRECTORY']];
  const when = (iso: string | undefined, key: string) => (iso ? <LocalTime key={key} iso={iso} /> : '—');
  return [
    ['ACME directory', <code key="d">{acme.directoryUrl}</code>, 'POSTROOM_ACME_DIRECTORY'],
    [
      'ACME now',
      acme.runningSince ? (
        <Badge key="r" tone="warn">
          ordering since <LocalTime iso={acme.runningSince} />
        </Badge>
      ) : acme.lastError ? (
        <Badge key="r" tone="bad">
          last attempt failed
        </Badge>
      ) : (
        'waiting for the next renewal'
      ),
      '',
    ],
    ['Last attempt', when(acme.lastAttemptAt, 'a'), ''],
    ['Last success', when(acme.lastSuccessAt, 's'), ''],
    ['Next renewal', when(acme.nextRenewalAt, 'n'), ''],
    ['Last error', acme.lastError ? <code key="e">{acme.lastError}</code> : '—', ''],
  ];
}

function SettingsTable({ title, rows }: { title: string; rows: Row[] }) {
  return (
    <section className="card mb-6 overflow-x-auto" aria-label={title}>
      <h2 className="mb-2 font-semibold">{title}</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Value</th>
            <th scope="col">Set with</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, value, variable]) => (
            <tr key={label}>
              <td>{label}</td>
              <td>{value}</td>
              <td className="font-mono text-xs text-slate-600">{variable}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default async function SettingsPage() {
  const actor = await requireAdmin('/admin/settings');
  await guard(async () => requireSuper(actor));
  const cfg = config();
  const overrides = await refreshSettingOverrides();
  const smtp = smtpSettings();
  const smtpEnv = smtpEnvSettings();
  const queueEnv = queueEnvSettings();
  const cert = certificateStatus();
  const upkeep = maintenanceSettings();
  const storage = await storageState(cfg.dataDir).catch(() => null);
  const queue = queueSettings();
  // Rows the console can override say so in the "Set with" column.
  const setWith = (name: keyof typeof overrides, variable: string) =>
    overrides[name] !== undefined ? `Settings page (over ${variable})` : variable;
  const hours = (ms: number) => `${formatCount(ms / 3_600_000)} h`;
  const minutes = (ms: number) => `${formatCount(ms / 60_000)} min`;
  const port = (value: number) => (
    <span className="tabular-nums">
      {cfg.listen}:{value}
    </span>
  );
  return (
    <>
      <PageHeader
        title="Settings"
        description="How this server is set up. Settings come from the environment (or .env) of `postroom start`; the limits, spam and virus checks and queue times below can be overridden here and apply without a restart."
      />
      <SettingsTable
        title="Server"
        rows={[
          ['Host name (HELO, MX target, certificate name)', cfg.hostname, 'POSTROOM_HOSTNAME'],
          ['Database', cfg.databaseUrl ? 'MariaDB / MySQL' : 'embedded SQLite', 'DATABASE_URL'],
          ['Data directory', <code key="d">{cfg.dataDir}</code>, 'POSTROOM_DATA_DIR'],
          [
            'Outbound relay host',
            cfg.relayHost ?? 'none: deliver directly to MX hosts',
            'POSTROOM_RELAYHOST',
          ],
        ]}
      />
      <SettingsTable
        title="Storage and retention"
        rows={[
          [
            'Refuse new mail below (free space now)',
            `${upkeep.minFreeDisk || '1G or 5 %, the smaller'} (${storage ? `${formatBytes(storage.freeBytes)} free${storage.low ? ', refusing mail' : ''}` : 'unknown'})`,
            'POSTROOM_MIN_FREE_DISK',
          ],
          [
            'Keep events for',
            `${formatCount(upkeep.eventsRetentionDays)} days`,
            'POSTROOM_EVENTS_RETENTION_DAYS',
          ],
          [
            'Keep the IMAP change feed for',
            `${formatCount(upkeep.mailChangesRetentionDays)} days`,
            'POSTROOM_MAIL_CHANGES_RETENTION_DAYS',
          ],
          ['Clean-up runs every', minutes(upkeep.intervalMs), 'POSTROOM_MAINTENANCE_INTERVAL_SECONDS'],
          ['Unreferenced files kept at least', minutes(upkeep.orphanGraceMs), 'POSTROOM_BLOB_GRACE_MINUTES'],
        ]}
      />
      <SettingsTable
        title="Listeners"
        rows={[
          ['Web console', port(cfg.webPort), 'PORT'],
          ['SMTP (MX, STARTTLS)', port(cfg.smtpPort), 'POSTROOM_SMTP_PORT'],
          ['Submission (STARTTLS)', port(cfg.submissionPort), 'POSTROOM_SUBMISSION_PORT'],
          ['Submission (implicit TLS)', port(cfg.smtpsPort), 'POSTROOM_SMTPS_PORT'],
          ['IMAP (STARTTLS)', port(cfg.imapPort), 'POSTROOM_IMAP_PORT'],
          ['IMAPS', port(cfg.imapsPort), 'POSTROOM_IMAPS_PORT'],
          ['POP3 (STLS)', port(cfg.pop3Port), 'POSTROOM_POP3_PORT'],
          ['POP3S', port(cfg.pop3sPort), 'POSTROOM_POP3S_PORT'],
        ]}
      />
      <SettingsTable
        title="TLS certificate"
        rows={[
          [
            'Status',
            !cert.present ? (
              <Badge key="s" tone="warn">
                not made yet
              </Badge>
            ) : cert.error ? (
              <Badge key="s" tone="bad">
                unreadable
              </Badge>
            ) : cert.daysLeft! < 0 ? (
              <Badge key="s" tone="bad">
                expired
              </Badge>
            ) : cert.daysLeft! < 21 ? (
              <Badge key="s" tone="warn">
                expires soon
              </Badge>
            ) : (
              <Badge key="s" tone="ok">
                valid
              </Badge>
            ),
            'POSTROOM_TLS_CERT',
          ],
          [
            'Kind',
            cert.source === 'acme'
              ? 'issued over ACME'
              : cert.selfSigned
                ? 'self-signed (not trusted by other servers or clients)'
                : 'given certificate',
            cert.source === 'acme' ? 'POSTROOM_ACME_DIRECTORY' : 'POSTROOM_TLS_KEY',
          ],
          ['Issuer', cert.issuer ?? '—', ''],
          ['Names', cert.names ?? cert.subject ?? '—', ''],
          [
            'Valid until',
            cert.validTo ? (
              <>
                <LocalTime key="v" iso={cert.validTo.toISOString()} /> ({formatCount(cert.daysLeft ?? 0)}{' '}
                days)
              </>
            ) : (
              '—'
            ),
            '',
          ],
          ['File', <code key="f">{cert.path}</code>, ''],
          ...acmeRows(cert.acme),
        ]}
      />
      <SettingsTable
        title="SMTP limits"
        rows={[
          [
            'Largest message',
            formatBytes(smtp.maxMessageBytes),
            setWith('maxMessageBytes', 'POSTROOM_SMTP_MAX_SIZE'),
          ],
          [
            'Recipients per message',
            formatCount(smtp.maxRecipients),
            setWith('maxRecipients', 'POSTROOM_SMTP_MAX_RECIPIENTS'),
          ],
          ['Longest line', `${formatCount(smtp.maxLineLength)} characters`, 'POSTROOM_SMTP_MAX_LINE'],
          [
            'Idle timeout',
            `${formatCount(smtp.idleTimeoutMs / 1000)} s`,
            setWith('idleTimeoutSeconds', 'POSTROOM_SMTP_TIMEOUT'),
          ],
          [
            'Connections per client IP',
            formatCount(smtp.maxConnectionsPerIp),
            setWith('maxConnectionsPerIp', 'POSTROOM_SMTP_MAX_CONN_PER_IP'),
          ],
          ['SPF / DKIM / DMARC checks', smtp.checkAuthentication ? 'on' : 'off', 'POSTROOM_MAILAUTH'],
          [
            'Honour DMARC p=reject',
            smtp.honourDmarcReject ? 'yes: refuse' : 'no: deliver to Junk',
            'POSTROOM_DMARC_REJECT',
          ],
          [
            'Commands allowed before MAIL',
            formatCount(smtp.maxCommandsBeforeMail),
            'POSTROOM_SMTP_MAX_JUNK_COMMANDS',
          ],
        ]}
      />
      <SettingsForm
        title="Change SMTP limits"
        submitLabel="Save SMTP limits"
        id="settings-smtp"
        overrides={overrides}
        rows={[
          {
            name: 'maxMessageBytes',
            label: 'Largest message (bytes)',
            envDefault: String(smtpEnv.maxMessageBytes),
            variable: 'POSTROOM_SMTP_MAX_SIZE',
            hint: 'Announced in EHLO SIZE; 1024 to 1073741824.',
          },
          {
            name: 'maxRecipients',
            label: 'Recipients per message',
            envDefault: String(smtpEnv.maxRecipients),
            variable: 'POSTROOM_SMTP_MAX_RECIPIENTS',
            hint: '1 to 10000.',
          },
          {
            name: 'idleTimeoutSeconds',
            label: 'Idle timeout (seconds)',
            envDefault: String(smtpEnv.idleTimeoutMs / 1000),
            variable: 'POSTROOM_SMTP_TIMEOUT',
            hint: '10 to 3600; RFC 5321 suggests 300.',
          },
          {
            name: 'maxConnectionsPerIp',
            label: 'Connections per client IP',
            envDefault: String(smtpEnv.maxConnectionsPerIp),
            variable: 'POSTROOM_SMTP_MAX_CONN_PER_IP',
            hint: '1 to 10000.',
          },
        ]}
      />
      <SettingsTable
        title="Spam and virus checks"
        rows={[
          [
            'DNS blocklist zones',
            smtp.dnsblZones.length ? smtp.dnsblZones.join(', ') : 'none',
            setWith('dnsblZones', 'POSTROOM_DNSBL_ZONES'),
          ],
          ['rspamd', smtp.rspamdUrl ?? 'off', setWith('rspamdUrl', 'POSTROOM_RSPAMD_URL')],
          [
            'rspamd reject score',
            smtp.rspamdRejectScore !== undefined ? String(smtp.rspamdRejectScore) : "rspamd's own action",
            setWith('rspamdRejectScore', 'POSTROOM_RSPAMD_REJECT_SCORE'),
          ],
          ['clamd (virus scan)', smtp.clamd ?? 'off', setWith('clamd', 'POSTROOM_CLAMD')],
        ]}
      />
      <SettingsForm
        title="Change spam and virus checks"
        submitLabel="Save spam and virus checks"
        id="settings-scanners"
        overrides={overrides}
        rows={[
          {
            name: 'dnsblZones',
            label: 'DNS blocklist zones',
            envDefault: smtpEnv.dnsblZones.join(', '),
            variable: 'POSTROOM_DNSBL_ZONES',
            hint: 'Comma separated, e.g. zen.spamhaus.org; "off" for none.',
          },
          {
            name: 'rspamdUrl',
            label: 'rspamd URL',
            envDefault: smtpEnv.rspamdUrl ?? '',
            variable: 'POSTROOM_RSPAMD_URL',
            hint: 'e.g. http://127.0.0.1:11333; "off" to skip.',
          },
          {
            name: 'rspamdRejectScore',
            label: 'rspamd reject score',
            envDefault: smtpEnv.rspamdRejectScore !== undefined ? String(smtpEnv.rspamdRejectScore) : '',
            variable: 'POSTROOM_RSPAMD_REJECT_SCORE',
            hint: "Reject at or above this score; empty uses rspamd's own action.",
          },
          {
            name: 'clamd',
            label: 'clamd address',
            envDefault: smtpEnv.clamd ?? '',
            variable: 'POSTROOM_CLAMD',
            hint: 'Socket path or host:port; "off" to skip.',
          },
        ]}
      />
      <SettingsTable
        title="Outbound queue and retries"
        rows={[
          [
            'Relay host',
            queue.relayHost
              ? `${queue.relayHost.host}:${queue.relayHost.port}${queue.relayHost.user ? ' (with login)' : ''}`
              : 'none: deliver to MX hosts directly',
            'POSTROOM_RELAYHOST',
          ],
          [
            'Retry schedule',
            `after ${minutes(queue.firstRetryMs)}, doubling up to every ${minutes(queue.maxRetryMs)}`,
            '',
          ],
          [
            'Delay notice to the sender after',
            hours(queue.delayNoticeMs),
            setWith('delayNoticeHours', 'POSTROOM_QUEUE_DELAY_NOTICE_HOURS'),
          ],
          [
            'Give up and bounce after',
            hours(queue.lifetimeMs),
            setWith('queueLifetimeHours', 'POSTROOM_QUEUE_LIFETIME_HOURS'),
          ],
          ['Remote SMTP port', String(queue.remotePort), 'POSTROOM_OUTBOUND_PORT'],
        ]}
      />
      <SettingsForm
        title="Change queue times"
        submitLabel="Save queue times"
        id="settings-queue"
        overrides={overrides}
        rows={[
          {
            name: 'delayNoticeHours',
            label: 'Delay notice after (hours)',
            envDefault: String(queueEnv.delayNoticeMs / 3_600_000),
            variable: 'POSTROOM_QUEUE_DELAY_NOTICE_HOURS',
            hint: '1 to 720, shorter than the time before giving up.',
          },
          {
            name: 'queueLifetimeHours',
            label: 'Give up and bounce after (hours)',
            envDefault: String(queueEnv.lifetimeMs / 3_600_000),
            variable: 'POSTROOM_QUEUE_LIFETIME_HOURS',
            hint: '1 to 720; RFC 5321 4.5.4.1 suggests 4-5 days (96-120).',
          },
        ]}
      />
      <SettingsTable
        title="Web console"
        rows={[
          ['Session length', `${SESSION_MAX_AGE_SECONDS / 3600} hours`, ''],
          [
            'Secure (HTTPS-only) cookies',
            secureCookies() ? 'yes' : 'no (the console is not served over https)',
            'NEXTAUTH_URL / POSTROOM_SECURE_COOKIES',
          ],
          ['Failed sign-ins', 'throttled per account and per client IP, shared with IMAP, POP3 and SMTP', ''],
        ]}
      />
    </>
  );
}
