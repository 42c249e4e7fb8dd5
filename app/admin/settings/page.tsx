import type { Metadata } from 'next';
import { requireSuper } from '@/server/domain';
import { config } from '@/server/core/config';
import { smtpSettings } from '@/server/smtp/settings';
import { queueSettings } from '@/server/queue/settings';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { certificateStatus } from '@/server/web/tls-status';
import { SESSION_MAX_AGE_SECONDS, useSecureCookies } from '@/server/web/auth-options';
import { Badge, PageHeader } from '@/components/ui/page';
import { LocalTime } from '@/components/ui/format';
import { formatBytes, formatCount } from '@/components/ui/numbers';

export const metadata: Metadata = { title: 'Settings' };

type Row = [label: string, value: React.ReactNode, variable: string];

function SettingsTable({ title, rows }: { title: string; rows: Row[] }) {
  return (
    <section className="card mb-6 overflow-x-auto" aria-label={title}>
      <h2 className="mb-2 font-semibold">{title}</h2>
      <table className="table">
        <thead><tr><th scope="col">Setting</th><th scope="col">Value</th><th scope="col">Set with</th></tr></thead>
        <tbody>{rows.map(([label, value, variable]) => <tr key={label}><td>{label}</td><td>{value}</td><td className="font-mono text-xs text-slate-600">{variable}</td></tr>)}</tbody>
      </table>
    </section>
  );
}

export default async function SettingsPage() {
  const actor = await requireAdmin('/admin/settings');
  await guard(async () => requireSuper(actor));
  const cfg = config();
  const smtp = smtpSettings();
  const cert = certificateStatus();
  const queue = queueSettings();
  const hours = (ms: number) => `${formatCount(ms / 3_600_000)} h`;
  const minutes = (ms: number) => `${formatCount(ms / 60_000)} min`;
  const port = (value: number) => <span className="tabular-nums">{cfg.listen}:{value}</span>;
  return (
    <>
      <PageHeader title="Settings" description="How this server is set up. Settings come from the environment (or .env) of `postroom start`; change them there and restart." />
      <SettingsTable title="Server" rows={[
        ['Host name (HELO, MX target, certificate name)', cfg.hostname, 'POSTROOM_HOSTNAME'],
        ['Database', cfg.databaseUrl ? 'MariaDB / MySQL' : 'embedded SQLite', 'DATABASE_URL'],
        ['Data directory', <code key="d">{cfg.dataDir}</code>, 'POSTROOM_DATA_DIR'],
        ['Outbound relay host', cfg.relayHost ?? 'none: deliver directly to MX hosts', 'POSTROOM_RELAYHOST'],
      ]} />
      <SettingsTable title="Listeners" rows={[
        ['Web console', port(cfg.webPort), 'PORT'],
        ['SMTP (MX, STARTTLS)', port(cfg.smtpPort), 'POSTROOM_SMTP_PORT'],
        ['Submission (STARTTLS)', port(cfg.submissionPort), 'POSTROOM_SUBMISSION_PORT'],
        ['Submission (implicit TLS)', port(cfg.smtpsPort), 'POSTROOM_SMTPS_PORT'],
        ['IMAP (STARTTLS)', port(cfg.imapPort), 'POSTROOM_IMAP_PORT'],
        ['IMAPS', port(cfg.imapsPort), 'POSTROOM_IMAPS_PORT'],
        ['POP3 (STLS)', port(cfg.pop3Port), 'POSTROOM_POP3_PORT'],
        ['POP3S', port(cfg.pop3sPort), 'POSTROOM_POP3S_PORT'],
      ]} />
      <SettingsTable title="TLS certificate" rows={[
        ['Status', !cert.present ? <Badge key="s" tone="warn">not made yet</Badge> : cert.error ? <Badge key="s" tone="bad">unreadable</Badge> : cert.daysLeft! < 0 ? <Badge key="s" tone="bad">expired</Badge> : cert.daysLeft! < 21 ? <Badge key="s" tone="warn">expires soon</Badge> : <Badge key="s" tone="ok">valid</Badge>, 'POSTROOM_TLS_CERT'],
        ['Kind', cert.selfSigned ? 'self-signed (not trusted by other servers or clients)' : 'given certificate', 'POSTROOM_TLS_KEY'],
        ['Names', cert.names ?? cert.subject ?? '—', ''],
        ['Valid until', cert.validTo ? <><LocalTime key="v" iso={cert.validTo.toISOString()} /> ({formatCount(cert.daysLeft ?? 0)} days)</> : '—', ''],
        ['File', <code key="f">{cert.path}</code>, ''],
      ]} />
      <SettingsTable title="SMTP limits" rows={[
        ['Largest message', formatBytes(smtp.maxMessageBytes), 'POSTROOM_SMTP_MAX_SIZE'],
        ['Recipients per message', formatCount(smtp.maxRecipients), 'POSTROOM_SMTP_MAX_RECIPIENTS'],
        ['Longest line', `${formatCount(smtp.maxLineLength)} characters`, 'POSTROOM_SMTP_MAX_LINE'],
        ['Idle timeout', `${formatCount(smtp.idleTimeoutMs / 1000)} s`, 'POSTROOM_SMTP_TIMEOUT'],
        ['Connections per client IP', formatCount(smtp.maxConnectionsPerIp), 'POSTROOM_SMTP_MAX_CONN_PER_IP'],
        ['SPF / DKIM / DMARC checks', smtp.checkAuthentication ? 'on' : 'off', 'POSTROOM_MAILAUTH'],
        ['Honour DMARC p=reject', smtp.honourDmarcReject ? 'yes: refuse' : 'no: deliver to Junk', 'POSTROOM_DMARC_REJECT'],
        ['Commands allowed before MAIL', formatCount(smtp.maxCommandsBeforeMail), 'POSTROOM_SMTP_MAX_JUNK_COMMANDS'],
      ]} />
      <SettingsTable title="Spam and virus checks" rows={[
        ['DNS blocklist zones', smtp.dnsblZones.length ? smtp.dnsblZones.join(', ') : 'none', 'POSTROOM_DNSBL_ZONES'],
        ['rspamd', smtp.rspamdUrl ?? 'off', 'POSTROOM_RSPAMD_URL'],
        ['rspamd reject score', smtp.rspamdRejectScore !== undefined ? String(smtp.rspamdRejectScore) : "rspamd's own action", 'POSTROOM_RSPAMD_REJECT_SCORE'],
        ['clamd (virus scan)', smtp.clamd ?? 'off', 'POSTROOM_CLAMD'],
      ]} />
      <SettingsTable title="Outbound queue and retries" rows={[
        ['Relay host', queue.relayHost ? `${queue.relayHost.host}:${queue.relayHost.port}${queue.relayHost.user ? ' (with login)' : ''}` : 'none: deliver to MX hosts directly', 'POSTROOM_RELAYHOST'],
        ['Retry schedule', `after ${minutes(queue.firstRetryMs)}, doubling up to every ${minutes(queue.maxRetryMs)}`, ''],
        ['Delay notice to the sender after', hours(queue.delayNoticeMs), 'POSTROOM_QUEUE_DELAY_NOTICE_HOURS'],
        ['Give up and bounce after', hours(queue.lifetimeMs), 'POSTROOM_QUEUE_LIFETIME_HOURS'],
        ['Remote SMTP port', String(queue.remotePort), 'POSTROOM_OUTBOUND_PORT'],
      ]} />
      <SettingsTable title="Web console" rows={[
        ['Session length', `${SESSION_MAX_AGE_SECONDS / 3600} hours`, ''],
        ['Secure (HTTPS-only) cookies', useSecureCookies() ? 'yes' : 'no (the console is not served over https)', 'NEXTAUTH_URL / POSTROOM_SECURE_COOKIES'],
        ['Failed sign-ins', 'throttled per account and per client IP, shared with IMAP, POP3 and SMTP', ''],
      ]} />
    </>
  );
}
