// Which events move which counters (server/ops/event-metrics.ts): the mapping is all the protocol
// code relies on, so each kind of event is checked against the registry's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observeEvent } from '../../server/ops/event-metrics';
import { metricsRegistry } from '../../server/ops/metrics';

async function value(name: string, labels: Record<string, string> = {}, suffix = ''): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((v) => (suffix ? (v as { metricName?: string }).metricName === `${name}${suffix}` : true))
    .filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))
    .reduce((sum, v) => sum + v.value, 0);
}

test('logins count from auth/login.ts events, not from the SMTP session echo of the same login', async () => {
  observeEvent({ protocol: 'imap', action: 'auth', result: 'ok' });
  observeEvent({ protocol: 'imap', action: 'auth', result: 'failed' });
  observeEvent({ protocol: 'smtp', action: 'auth', result: 'ok' }, true);
  assert.equal(await value('postroom_logins_total', { protocol: 'imap', result: 'ok' }), 1);
  assert.equal(await value('postroom_logins_total', { protocol: 'imap', result: 'failed' }), 1);
  assert.equal(await value('postroom_logins_total', { protocol: 'smtp' }), 0);
});

test('SMTP: received, local deliveries and refusals by stage and reason', async () => {
  observeEvent({ protocol: 'smtp', action: 'data', result: 'accepted' }, true);
  observeEvent({ protocol: 'smtp', action: 'data', result: 'discarded' }, true);
  observeEvent({ protocol: 'smtp', action: 'data', result: 'too_big' }, true);
  observeEvent({ protocol: 'smtp', action: 'deliver', result: 'delivered' }, true);
  observeEvent({ protocol: 'smtp', action: 'deliver', result: 'over_quota' }, true);
  observeEvent({ protocol: 'smtp', action: 'rcpt_to', result: 'reject', detail: { reason: 'syntax' } }, true);
  observeEvent({ protocol: 'smtp', action: 'rcpt_to', result: 'accept' }, true);
  observeEvent({ protocol: 'smtp', action: 'connect', result: 'too_many' }, true);
  assert.equal(await value('postroom_messages_received_total'), 1);
  assert.equal(await value('postroom_messages_delivered_total', { destination: 'local' }), 1);
  assert.equal(await value('postroom_messages_rejected_total', { stage: 'data', reason: 'too_big' }), 1);
  assert.equal(
    await value('postroom_messages_rejected_total', { stage: 'deliver', reason: 'over_quota' }),
    1,
  );
  assert.equal(await value('postroom_messages_rejected_total', { stage: 'rcpt_to', reason: 'syntax' }), 1);
  assert.equal(await value('postroom_messages_rejected_total', { stage: 'connect', reason: 'too_many' }), 1);
  assert.equal(await value('postroom_messages_rejected_total'), 4);
});

test('queue: sent, deferred, bounced and the delivery latency of final outcomes', async () => {
  observeEvent({ protocol: 'queue', action: 'deliver', result: 'sent', detail: { queuedMs: 2000 } });
  observeEvent({ protocol: 'queue', action: 'deliver', result: 'deferred', detail: { queuedMs: 10 } });
  observeEvent({ protocol: 'queue', action: 'deliver', result: 'bounced', detail: { queuedMs: 90_000 } });
  observeEvent({ protocol: 'queue', action: 'deliver', result: 'sent', detail: 'no timing' });
  assert.equal(await value('postroom_messages_delivered_total', { destination: 'remote' }), 2);
  assert.equal(await value('postroom_messages_deferred_total'), 1);
  assert.equal(await value('postroom_messages_bounced_total'), 1);
  const latency = 'postroom_delivery_latency_seconds';
  assert.equal(await value(latency, { outcome: 'sent' }, '_count'), 1);
  assert.equal(await value(latency, { outcome: 'sent' }, '_sum'), 2);
  assert.equal(await value(latency, { outcome: 'bounced', le: '60' }, '_bucket'), 0);
  assert.equal(await value(latency, { outcome: 'bounced', le: '300' }, '_bucket'), 1);
});
