// Run-time setting overrides: validation, super-admin only, audit, precedence (test options >
// console override > environment), and a live SMTP listener picking up a new size limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FieldError, ForbiddenError, type Actor } from '../../server/domain';
import { loadSettingOverrides, saveSettingOverrides } from '../../server/domain/settings';
import { refreshSettingOverrides } from '../../server/domain/settings-cache';
import { smtpSettings } from '../../server/smtp/settings';
import { queueSettings } from '../../server/queue/settings';
import { db } from '../../server/core/db';
import { startFixture, run, type SmtpFixture } from './smtp-fixture';
import { setDnsResolver, staticResolver } from '../../server/policy/dns';

const SUPER: Actor = { name: 'root@example.test', role: 'super' };
const DOMAIN_ADMIN: Actor = { name: 'da@example.test', role: 'domain_admin', domains: ['example.test'] };

let fixture: SmtpFixture;
before(async () => {
  process.env.POSTROOM_SMTP_MAX_SIZE = '2000000';
  process.env.POSTROOM_DNSBL_ZONES = 'zen.spamhaus.org';
  process.env.POSTROOM_QUEUE_LIFETIME_HOURS = '100';
  fixture = await startFixture();
  await db().setting.create({ data: { key: 'secret', value: 'keep-me' } });
});
after(async () => {
  await fixture.close();
  delete process.env.POSTROOM_SMTP_MAX_SIZE;
  delete process.env.POSTROOM_DNSBL_ZONES;
  delete process.env.POSTROOM_QUEUE_LIFETIME_HOURS;
});

test('bad values are refused with a field error naming the field, and nothing is stored', async () => {
  const bad: Array<[string, string]> = [
    ['maxMessageBytes', '10'],
    ['maxMessageBytes', '5MB'],
    ['maxRecipients', '0'],
    ['idleTimeoutSeconds', '-5'],
    ['maxConnectionsPerIp', '1.5'],
    ['dnsblZones', 'zen.spamhaus.org, not a zone'],
    ['clamd', 'localhost'],
    ['rspamdUrl', 'ftp://127.0.0.1'],
    ['rspamdUrl', 'nonsense'],
    ['rspamdRejectScore', 'high'],
    ['queueLifetimeHours', '9999'],
  ];
  for (const [field, value] of bad) {
    await assert.rejects(
      saveSettingOverrides({ [field]: value }, SUPER),
      (error: unknown) => error instanceof FieldError && error.field === field,
      `${field}=${value}`,
    );
  }
  await assert.rejects(
    saveSettingOverrides({ queueLifetimeHours: '10', delayNoticeHours: '12' }, SUPER),
    (error: unknown) => error instanceof FieldError && error.field === 'delayNoticeHours',
  );
  // One bad field refuses the whole form: the good one beside it is not stored either.
  await assert.rejects(
    saveSettingOverrides({ maxRecipients: '20', maxMessageBytes: 'lots' }, SUPER),
    FieldError,
  );
  assert.deepEqual(await loadSettingOverrides(), {});
});

test('only a super admin may change settings', async () => {
  await assert.rejects(saveSettingOverrides({ maxRecipients: '5' }, DOMAIN_ADMIN), ForbiddenError);
  assert.deepEqual(await loadSettingOverrides(), {});
});

test('an override wins over the environment, test options win over both, clearing returns to the environment', async () => {
  await refreshSettingOverrides();
  assert.equal(smtpSettings().maxMessageBytes, 2_000_000);
  assert.deepEqual(smtpSettings().dnsblZones, ['zen.spamhaus.org']);
  assert.equal(queueSettings().lifetimeMs, 100 * 3_600_000);

  await saveSettingOverrides(
    {
      maxMessageBytes: '50000',
      dnsblZones: 'off',
      clamd: '127.0.0.1:3310',
      rspamdUrl: 'http://127.0.0.1:11333/',
      rspamdRejectScore: '12.5',
      queueLifetimeHours: '48',
      delayNoticeHours: '2',
    },
    SUPER,
  );
  await refreshSettingOverrides();
  const smtp = smtpSettings();
  assert.equal(smtp.maxMessageBytes, 50_000);
  assert.deepEqual(smtp.dnsblZones, []);
  assert.equal(smtp.clamd, '127.0.0.1:3310');
  assert.equal(smtp.rspamdUrl, 'http://127.0.0.1:11333');
  assert.equal(smtp.rspamdRejectScore, 12.5);
  assert.equal(queueSettings().lifetimeMs, 48 * 3_600_000);
  assert.equal(queueSettings().delayNoticeMs, 2 * 3_600_000);
  assert.equal(smtpSettings({ maxMessageBytes: 777 }).maxMessageBytes, 777);

  const entry = await db().auditEntry.findFirstOrThrow({
    where: { action: 'settings.update' },
    orderBy: { id: 'desc' },
  });
  assert.equal(entry.actor, SUPER.name);
  assert.deepEqual(JSON.parse(entry.after!), {
    maxMessageBytes: 50000,
    dnsblZones: [],
    clamd: '127.0.0.1:3310',
    rspamdUrl: 'http://127.0.0.1:11333',
    rspamdRejectScore: 12.5,
    queueLifetimeHours: 48,
    delayNoticeHours: 2,
  });
  assert.equal(JSON.parse(entry.before!).maxMessageBytes, null);

  await saveSettingOverrides({ maxMessageBytes: '', dnsblZones: '', queueLifetimeHours: '' }, SUPER);
  await refreshSettingOverrides();
  assert.equal(smtpSettings().maxMessageBytes, 2_000_000);
  assert.deepEqual(smtpSettings().dnsblZones, ['zen.spamhaus.org']);
  assert.equal(queueSettings().lifetimeMs, 100 * 3_600_000);
  assert.equal(smtpSettings().clamd, '127.0.0.1:3310', 'fields not in the form keep their override');
  assert.equal((await db().setting.findUniqueOrThrow({ where: { key: 'secret' } })).value, 'keep-me');
  await saveSettingOverrides(
    { clamd: '', rspamdUrl: '', rspamdRejectScore: '', delayNoticeHours: '' },
    SUPER,
  );
});

/** EHLO with Python's smtplib, then a MAIL FROM declaring a size (RFC 1870). */
async function ehloAndMail(port: number, declared: number): Promise<{ size: string; mail: string }> {
  const script = `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', ${port}, timeout=10)
s.ehlo('client.example')
print(s.esmtp_features.get('size', ''))
code, msg = s.docmd('MAIL FROM:<a@client.example> SIZE=${declared}')
print(code, msg.decode())
s.quit()
`;
  const result = await run('python3', ['-c', script]);
  assert.equal(result.code, 0, result.stderr);
  const [size, mail] = result.stdout.trim().split('\n');
  return { size: size!, mail: mail! };
}

test('a running SMTP listener announces and enforces a changed size limit on new sessions', async () => {
  const port = fixture.smtp.ports.smtp!;
  assert.equal((await ehloAndMail(port, 60_000)).size, '2000000');
  await saveSettingOverrides({ maxMessageBytes: '50000' }, SUPER);
  await refreshSettingOverrides(); // what the worker's 10 s timer does
  const after = await ehloAndMail(port, 60_000);
  assert.equal(after.size, '50000');
  assert.match(after.mail, /^552 5\.3\.4 /);
  await saveSettingOverrides({ maxMessageBytes: '' }, SUPER);
  await refreshSettingOverrides();
  assert.equal((await ehloAndMail(port, 60_000)).size, '2000000');
});

test('a DNSBL zone set in the console applies to the next connection of a running listener', async () => {
  setDnsResolver(staticResolver({ '1.0.0.127.bl.test': { A: ['127.0.0.2'] } }));
  const port = String(fixture.smtp.ports.smtp);
  const connectOnly = () => run('swaks', ['--server', `127.0.0.1:${port}`, '--quit-after', 'CONNECT']);
  assert.match((await connectOnly()).stdout, /<- {2}220 /);
  await saveSettingOverrides({ dnsblZones: 'bl.test' }, SUPER);
  await refreshSettingOverrides();
  assert.match((await connectOnly()).stdout, /<\*\* 554 5\.7\.1 .*blocked using bl\.test/);
  await saveSettingOverrides({ dnsblZones: '' }, SUPER);
  await refreshSettingOverrides();
  assert.match((await connectOnly()).stdout, /<- {2}220 /);
  setDnsResolver(staticResolver({}));
});
