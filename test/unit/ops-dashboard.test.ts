// docs/grafana-dashboard.json charts only metrics that exist: every postroom_* name in its queries
// (histogram suffixes stripped) is registered by server/ops/metrics.ts or the web's scrape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricsRegistry } from '../../server/ops/metrics';

test('the Grafana dashboard names only registered postroom metrics', async () => {
  const dashboard = readFileSync(
    join(import.meta.dirname, '..', '..', 'docs', 'grafana-dashboard.json'),
    'utf8',
  );
  const used = new Set(
    [...dashboard.matchAll(/postroom_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
  );
  const registered = new Set((await metricsRegistry.getMetricsAsJSON()).map((metric) => metric.name));
  registered.add('postroom_worker_up'); // made by server/ops/scrape.ts, in the web process only
  assert.ok(used.size >= 10);
  for (const name of used) assert.ok(registered.has(name), `${name} is not a registered metric`);
});
