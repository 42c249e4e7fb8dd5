// POSTROOM_HEALTH_LISTEN: a worker's readiness on an address a remote load balancer can reach,
// without its metrics.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { healthListen, startHealthEndpoint } from '../../server/ops/worker-endpoint';

test('POSTROOM_HEALTH_LISTEN: host:port, [v6]:port or a port; anything else refused; unset is off', () => {
  assert.equal(healthListen(undefined), null);
  assert.equal(healthListen(' '), null);
  assert.deepEqual(healthListen('10.0.0.5:9466'), { host: '10.0.0.5', port: 9466 });
  assert.deepEqual(healthListen('[::]:9466'), { host: '::', port: 9466 });
  assert.deepEqual(healthListen('9466'), { host: '0.0.0.0', port: 9466 });
  for (const bad of ['host', 'a:0', 'a:70000', ':x'])
    assert.throws(() => healthListen(bad), /POSTROOM_HEALTH_LISTEN/);
});

test('the health endpoint answers /ready 200 or 503 with the reason, and serves nothing else', async () => {
  let readiness = { ready: true } as { ready: boolean; reason?: string };
  // Port 0 is refused from the environment; a test binds any free port directly.
  const server = startHealthEndpoint({ readiness: () => readiness }, { host: '127.0.0.1', port: 0 });
  assert.ok(server);
  if (!server.listening) await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal((await fetch(`${base}/ready`)).status, 200);
    readiness = { ready: false, reason: 'database: connection refused' };
    const down = await fetch(`${base}/ready`);
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { reason: string }).reason, 'database: connection refused');
    assert.equal((await fetch(`${base}/metrics.json`)).status, 404);
  } finally {
    server.close();
  }
});
