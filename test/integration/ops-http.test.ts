// Metrics, health and client set-up over real HTTP against the built console and a real mail
// worker: SMTP submission (nodemailer) and IMAP (imapflow) move the counters that GET /metrics
// shows; the allow list refuses a loopback address outside it; /readyz is 503 while the worker is
// away or stalls; autoconfig and autodiscover answer hosted domains only, and refuse bad requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect } from 'node:net';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { startApp, type RunningApp } from '../e2e/helpers/app';
import { httpRequest } from '../e2e/helpers/http-session';
import { addDomain, addMailbox } from '../../server/domain';
import { freePort } from '../helpers/free-port';

const PASSWORD = 'Correct-Horse-Battery-9';
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format 0.0.4: every line a comment or a sample, one TYPE per metric family. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      assert.ok(!typed.has(type[1]!), `second TYPE line for ${type[1]}`);
      typed.add(type[1]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    // The format allows NaN and ±Inf (an event-loop mean before any sample is NaN).
    const raw = sample[3]!;
    const value =
      raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    assert.ok(raw.toLowerCase() === 'nan' || !Number.isNaN(value), line); // prom-client writes "Nan"
    samples.push({ name: sample[1]!, labels, value });
  }
  return samples;
}

function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(app: RunningApp, localAddress = '127.0.0.1'): Promise<Sample[]> {
  const answer = await httpRequest(`${app.baseUrl}/metrics`, { localAddress });
  assert.equal(answer.status, 200, answer.body);
  assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parseExposition(answer.body);
}

let app: RunningApp;
let workerMetricsPort: number;

before(async () => {
  workerMetricsPort = await freePort();
  app = await startApp({
    worker: true,
    env: {
      POSTROOM_WORKER_METRICS_PORT: String(workerMetricsPort),
      POSTROOM_HOSTNAME: 'mail.example.org',
      POSTROOM_WORKERS: '1', // one process starts within the helper's 30 s on a loaded machine
    },
  });
  await addDomain('example.org');
  await addMailbox({ address: 'ann@example.org', password: PASSWORD, displayName: 'Ann' });
});

after(async () => {
  await app?.close();
});

test('GET /metrics: SMTP submission, IMAP logins and a refused recipient move the counters', async () => {
  const before = await scrape(app);
  assert.equal(total(before, 'postroom_worker_up'), 1);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: app.workerPorts.submission,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'ann@example.org', pass: PASSWORD },
  });
  await transport.sendMail({
    from: 'ann@example.org',
    to: 'ann@example.org',
    subject: 'metrics',
    text: 'hello',
  });
  await assert.rejects(
    transport.sendMail({ from: 'ann@example.org', to: 'nobody@example.org', subject: 'x', text: 'x' }),
    /5\d\d/,
  );
  transport.close();
  const imap = (password: string) =>
    new ImapFlow({
      host: '127.0.0.1',
      port: app.workerPorts.imap!,
      secure: false,
      doSTARTTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'ann@example.org', pass: password },
      logger: false,
    });
  const good = imap(PASSWORD);
  await good.connect();
  await good.logout();
  await assert.rejects(imap('wrong-password').connect());
  // A peer that connects to the MX port and drops at once still counts as a connection.
  await new Promise<void>((resolve) => {
    const socket: Socket = connect(app.workerPorts.smtp!, '127.0.0.1', () => socket.destroy());
    socket.on('close', () => resolve());
  });

  let after: Sample[] = [];
  // Batched events and socket close handlers settle within moments; poll with a generous bound.
  for (let tries = 0; tries < 40; tries++) {
    after = await scrape(app);
    if (
      total(after, 'postroom_messages_delivered_total', { destination: 'local' }) >= 1 &&
      total(after, 'postroom_sessions_active', { protocol: 'smtp' }) === 0
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const moved = (name: string, labels: Record<string, string> = {}) =>
    total(after, name, labels) - total(before, name, labels);
  assert.ok(moved('postroom_messages_received_total') >= 1, 'messages received');
  assert.ok(moved('postroom_messages_delivered_total', { destination: 'local' }) >= 1, 'delivered locally');
  assert.ok(moved('postroom_messages_rejected_total', { stage: 'rcpt_to' }) >= 1, 'recipient refused');
  assert.ok(moved('postroom_logins_total', { protocol: 'imap', result: 'ok' }) >= 1, 'IMAP login ok');
  assert.ok(moved('postroom_logins_total', { protocol: 'imap', result: 'failed' }) >= 1, 'IMAP login failed');
  assert.ok(moved('postroom_logins_total', { protocol: 'smtp', result: 'ok' }) >= 1, 'SMTP login ok');
  assert.ok(
    moved('postroom_connections_total', { protocol: 'smtp', listener: 'smtp' }) >= 1,
    'MX connection',
  );
  assert.ok(moved('postroom_connections_total', { protocol: 'smtp', listener: 'submission' }) >= 2);
  assert.ok(moved('postroom_connections_total', { protocol: 'imap' }) >= 2, 'IMAP connections');
  assert.equal(total(after, 'postroom_sessions_active', { protocol: 'smtp' }), 0, 'closed sessions are gone');
  assert.ok(moved('postroom_db_query_duration_seconds_count') > 0, 'database operations timed');
  assert.ok(total(after, 'postroom_store_bytes') > 0, 'stored content');
  assert.ok(after.some((s) => s.name === 'postroom_queue_entries' && s.labels.state === 'deferred'));
  for (const process of ['web', 'worker'])
    assert.ok(total(after, 'process_resident_memory_bytes', { process }) > 0, `${process} memory`);
});

test('/metrics: any loopback address by default (127.0.0.2 too); /healthz and /readyz with a live worker', async () => {
  await scrape(app, '127.0.0.2');
  assert.equal((await httpRequest(`${app.baseUrl}/healthz`)).status, 200);
  const ready = await httpRequest(`${app.baseUrl}/readyz`);
  assert.equal(ready.status, 200, ready.body);
  assert.deepEqual(JSON.parse(ready.body), { status: 'ready', database: 'ok', worker: 'ok' });
});

test('autoconfig: Thunderbird document for a hosted domain (both paths, address or Host), 404 otherwise', async () => {
  for (const path of [
    '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=ann%40example.org',
    '/mail/config-v1.1.xml?emailaddress=ann%40EXAMPLE.org',
  ]) {
    const answer = await httpRequest(`${app.baseUrl}${path}`);
    assert.equal(answer.status, 200, `${path}: ${answer.body}`);
    assert.match(String(answer.headers['content-type']), /^application\/xml/);
    assert.equal(XMLValidator.validate(answer.body), true);
    const provider = xml.parse(answer.body).clientConfig.emailProvider;
    assert.equal(provider.domain, 'example.org');
    const incoming = [provider.incomingServer].flat();
    // The worker's listeners run on ephemeral ports here; nothing set them by their settings in
    // this process's view of the web's environment, so the standard ports are announced.
    assert.equal(incoming[0].hostname, 'mail.example.org');
    assert.equal(incoming[0].socketType, 'SSL');
  }
  const byHost = await httpRequest(`${app.baseUrl}/mail/config-v1.1.xml`, {
    headers: { host: 'autoconfig.example.org' },
  });
  assert.equal(byHost.status, 200, byHost.body);
  for (const path of [
    '/mail/config-v1.1.xml?emailaddress=ann%40elsewhere.example',
    '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=not-an-address',
    '/.well-known/autoconfig/mail/config-v1.1.xml',
  ])
    assert.equal((await httpRequest(`${app.baseUrl}${path}`)).status, 404, path);
  // The webmail page beside it is unchanged.
  assert.notEqual((await httpRequest(`${app.baseUrl}/mail`)).status, 404);
});

const autodiscoverRequest = (address: string) =>
  `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request><EMailAddress>${address}</EMailAddress>
  <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

test('autodiscover: both spellings answer a hosted address; unknown 404, malformed 400, flood 413, GET 405', async () => {
  for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
    const answer = await httpRequest(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: autodiscoverRequest('ann@example.org'),
    });
    assert.equal(answer.status, 200, `${path}: ${answer.body}`);
    const account = xml.parse(answer.body).Autodiscover.Response.Account;
    const imap = [account.Protocol].flat().find((p: Record<string, string>) => p.Type === 'IMAP');
    assert.equal(imap.Server, 'mail.example.org');
    assert.equal(imap.LoginName, 'ann@example.org');
  }
  const post = (body: string) =>
    httpRequest(`${app.baseUrl}/autodiscover/autodiscover.xml`, { method: 'POST', body });
  assert.equal((await post(autodiscoverRequest('ann@elsewhere.example'))).status, 404);
  assert.equal((await post('<Autodiscover><Request><EMailAddress>')).status, 400);
  assert.equal((await post('<Autodiscover/>')).status, 400);
  assert.equal((await post(`<a>${'x'.repeat(1024 * 1024)}</a>`)).status, 413);
  assert.equal((await httpRequest(`${app.baseUrl}/autodiscover/autodiscover.xml`)).status, 405);
});

test('autodiscover: a body sent in chunks without a length (chunked) is capped too', async () => {
  const answer = await new Promise<number>((resolve, reject) => {
    const url = new URL(`${app.baseUrl}/autodiscover/autodiscover.xml`);
    const socket = connect(Number(url.port), '127.0.0.1', () => {
      socket.write(
        'POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      );
      const chunk = 'y'.repeat(16 * 1024);
      for (let i = 0; i < 8; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      socket.write('0\r\n\r\n');
    });
    let head = '';
    socket.on('data', (data: Buffer) => {
      head += data.toString();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
  });
  assert.equal(answer, 413);
});

test('without a worker, or with one that stalls: /readyz 503 with the reason, /metrics still answers; 403 outside POSTROOM_METRICS_ALLOW', async () => {
  // A fake worker endpoint that accepts connections and never answers (a hung worker).
  const held: Socket[] = [];
  const stalled: Server = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  const stalledPort = (stalled.address() as { port: number }).port;
  const awayPort = await freePort();
  for (const [port, reason] of [
    [awayPort, /not answering/],
    [stalledPort, /not answering/],
  ] as const) {
    const bare = await startApp({
      env: { POSTROOM_WORKER_METRICS_PORT: String(port), POSTROOM_METRICS_ALLOW: '127.0.0.1/32' },
    });
    try {
      assert.equal((await httpRequest(`${bare.baseUrl}/healthz`)).status, 200);
      const started = Date.now();
      const ready = await httpRequest(`${bare.baseUrl}/readyz`);
      assert.equal(ready.status, 503, ready.body);
      const body = JSON.parse(ready.body) as Record<string, string>;
      assert.equal(body.status, 'unavailable');
      assert.equal(body.database, 'ok');
      assert.match(body.worker!, reason);
      assert.ok(Date.now() - started < 30_000, 'a stalled worker does not hold /readyz');
      const refused = await httpRequest(`${bare.baseUrl}/metrics`, { localAddress: '127.0.0.2' });
      assert.equal(refused.status, 403);
      assert.doesNotMatch(refused.body, /postroom_/);
      const samples = await scrape(bare, '127.0.0.1');
      assert.equal(total(samples, 'postroom_worker_up'), 0);
    } finally {
      await bare.close();
    }
  }
  for (const socket of held) socket.destroy();
  stalled.close();
});
