// ACME end to end against Pebble (a real RFC 8555 test CA, Debian's `pebble`): the worker (two
// processes) orders a certificate for POSTROOM_HOSTNAME, Pebble's validation authority fetches the
// HTTP-01 answer over HTTP from the web app's route handler (app/.well-known/acme-challenge/, served
// here by node:http rather than a Next.js build), every listener starts presenting it, and at
// two thirds of its (short) life it is renewed — now with the mta-sts. and autoconfig. names of a
// domain added meanwhile — and new handshakes on every listener (implicit TLS and STARTTLS) present it
// without a restart. Pebble resolves every name to 127.0.0.1 through pebble-challtestsrv's DNS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain } from '../../server/domain';
import { closeDb } from '../../server/core/db';
import { GET as challengeRoute } from '../../app/.well-known/acme-challenge/[token]/route';
import { spawned, startClusterWorker, type ClusterWorker } from './worker-cluster';
import { freePort } from '../helpers/free-port';

const HOSTNAME = 'mail.postroom.test';
const VALIDITY_SECONDS = 40;
const bin = join(import.meta.dirname, '..', '..', 'bin', 'postroom.js');

const scratch = mkdtempSync(join(tmpdir(), 'postroom-acme-'));
const children: ChildProcess[] = [];
let web: HttpServer;
let webPort = 0;
let testDb: TestDatabase;
let worker: ClusterWorker;
let acmePort = 0;
let managementPort = 0;
let pebbleRoot = '';
const pebbleListenerCert = join(scratch, 'pebble-cert.pem');

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const logs =
    worker?.logs
      .slice(-30)
      .map((line) => JSON.stringify(line))
      .join('\n') ?? '';
  throw new Error(`timed out waiting for ${what} (last: ${String(last)})\n${logs}`);
}

function start(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  child.stderr!.resume();
  children.push(child);
  return child;
}

/** The certificate a fresh TLS handshake presents, verified against Pebble's root. */
async function presented(secure: (ca: string) => Promise<TLSSocket>): Promise<PeerCertificate> {
  const socket = await secure(pebbleRoot);
  try {
    assert.ok(socket.authorized, `not trusted: ${String(socket.authorizationError)}`);
    return socket.getPeerCertificate();
  } finally {
    socket.destroy();
  }
}

function implicitTls(port: number) {
  return (ca: string) =>
    new Promise<TLSSocket>((resolve, reject) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port,
        servername: HOSTNAME,
        ca,
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => resolve(socket)).once('error', reject);
    });
}

/** ManageSieve's port, from the worker's "listening" line (worker-cluster.ts reads the others). */
function sievePort(): number {
  return Number(worker.logs.find((line) => line.msg === 'mail worker listening')?.managesieve);
}

/** A plain-text dialogue ending in the protocol's STARTTLS, then the handshake on the same socket. */
function startTls(port: number, dialogue: [expect: RegExp, send?: string][]) {
  return async (ca: string) => {
    const plain: Socket = netConnect(port, '127.0.0.1');
    let buffer = '';
    plain.setEncoding('utf8');
    const waitLine = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(buffer)) {
            plain.off('data', onData);
            buffer = '';
            resolve();
          }
        };
        const onData = (chunk: string) => {
          buffer += chunk;
          check();
        };
        plain.on('data', onData);
        plain.once('error', reject);
        check();
      });
    for (const [expect, send] of dialogue) {
      await waitLine(expect);
      if (send) plain.write(`${send}\r\n`);
    }
    plain.removeAllListeners('data');
    return new Promise<TLSSocket>((resolve, reject) => {
      const socket = tlsConnect({ socket: plain, servername: HOSTNAME, ca, rejectUnauthorized: false });
      socket.once('secureConnect', () => resolve(socket)).once('error', reject);
    });
  };
}

const smtpStartTls = (port: number) =>
  startTls(port, [[/^220 .*\r\n/m, 'EHLO client.example'], [/^250 .*\r\n/m, 'STARTTLS'], [/^220 .*\r\n/m]]);
const imapStartTls = (port: number) => startTls(port, [[/^\* OK.*\r\n/m, 'a STARTTLS'], [/^a OK.*\r\n/m]]);
const pop3Stls = (port: number) => startTls(port, [[/^\+OK.*\r\n/m, 'STLS'], [/^\+OK.*\r\n/m]]);
const sieveStartTls = (port: number) => startTls(port, [[/^OK.*\r\n/m, 'STARTTLS'], [/^OK.*\r\n/m]]);

before(async () => {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writeFileSync(pebbleListenerCert, pems.cert);
  writeFileSync(join(scratch, 'pebble-key.pem'), pems.private);
  const [dnsPort, challtestManagement, unusedTlsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
  ]);
  [acmePort, managementPort] = await Promise.all([freePort(), freePort()]);
  testDb = await createTestDatabase();
  // The web port: Pebble's validation authority connects to httpPort on whatever the name resolves to.
  web = createHttpServer((req, res) => {
    const match = /^\/\.well-known\/acme-challenge\/([^/?]+)$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    void challengeRoute(new Request(`http://127.0.0.1${req.url}`), {
      params: Promise.resolve({ token: decodeURIComponent(match[1]!) }),
    }).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  webPort = (web.address() as { port: number }).port;
  const configPath = join(scratch, 'pebble-config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: pebbleListenerCert,
        privateKey: join(scratch, 'pebble-key.pem'),
        httpPort: webPort,
        tlsPort: unusedTlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        certificateValidityPeriod: VALIDITY_SECONDS,
      },
    }),
  );
  start('pebble-challtestsrv', [
    '-dns01',
    `127.0.0.1:${dnsPort}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    `127.0.0.1:${challtestManagement}`,
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
  ]);
  start('pebble', ['-config', configPath, '-dnsserver', `127.0.0.1:${dnsPort}`], {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
  });
  const ca = pems.cert;
  await waitFor('pebble', () => httpsGet(`https://127.0.0.1:${acmePort}/dir`, ca), 20_000);
  worker = await startClusterWorker({
    POSTROOM_HOSTNAME: HOSTNAME,
    POSTROOM_ACME_DIRECTORY: `https://127.0.0.1:${acmePort}/dir`,
    POSTROOM_ACME_EMAIL: 'postmaster@postroom.test',
    POSTROOM_ACME_RETRY_MS: '1000',
    POSTROOM_TLS_RELOAD_MS: '250',
    POSTROOM_WORKERS: '2',
    NODE_EXTRA_CA_CERTS: pebbleListenerCert,
  });
  await addDomain('example.org');
  await closeDb();
  pebbleRoot = await httpsGet(`https://127.0.0.1:${managementPort}/roots/0`, ca);
});

after(async () => {
  for (const child of [...spawned, ...children]) child.kill('SIGKILL');
  web?.close();
  await testDb?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

test('a certificate is ordered over HTTP-01, served by every listener and renewed at two thirds of its life', async () => {
  const imaps = implicitTls(worker.ports.imaps!);
  const first = await waitFor(
    'the first ACME certificate on IMAPS',
    async () => {
      const cert = await presented(imaps);
      return String(cert.issuer.CN ?? '').startsWith('Pebble') ? cert : undefined;
    },
    90_000,
  );
  assert.match(first.subjectaltname ?? '', new RegExp(`DNS:${HOSTNAME.replace(/\./g, '\\.')}`));
  const validFrom = Date.parse(first.valid_from);
  const validTo = Date.parse(first.valid_to);
  // Each worker process loads the new pair on its own (IMAPS may have answered from the first one).
  await waitFor(
    'SMTPS, POP3S and SMTP STARTTLS to present the first ACME certificate',
    async () => {
      const serials = [
        (await presented(implicitTls(worker.ports.smtps!))).serialNumber,
        (await presented(implicitTls(worker.ports.pop3s!))).serialNumber,
        (await presented(smtpStartTls(worker.ports.smtp!))).serialNumber,
        (await presented(imaps)).serialNumber,
      ];
      return serials.every((serial) => serial === first.serialNumber) ? true : undefined;
    },
    10_000,
  );

  // Renewal: not before two thirds of the life, then new handshakes get the new certificate.
  const renewed = await waitFor(
    'the renewed certificate',
    async () => {
      const cert = await presented(imaps);
      return cert.serialNumber !== first.serialNumber ? cert : undefined;
    },
    validTo - Date.now() + 30_000,
  );
  const renewedAt = Date.now();
  assert.ok(
    renewedAt >= validFrom + ((validTo - validFrom) * 2) / 3 - 1000,
    'not renewed before two thirds of its life',
  );
  assert.match(renewed.subjectaltname ?? '', /DNS:mta-sts\.example\.org/);
  assert.match(renewed.subjectaltname ?? '', /DNS:autoconfig\.example\.org/);
  await waitFor(
    'every listener (SMTP, IMAP, POP3 and ManageSieve STARTTLS; SMTPS, POP3S) to present the renewed certificate',
    async () => {
      const serials = [
        (await presented(smtpStartTls(worker.ports.smtp!))).serialNumber,
        (await presented(smtpStartTls(worker.ports.submission!))).serialNumber,
        (await presented(implicitTls(worker.ports.smtps!))).serialNumber,
        (await presented(implicitTls(worker.ports.pop3s!))).serialNumber,
        (await presented(imapStartTls(worker.ports.imap!))).serialNumber,
        (await presented(pop3Stls(worker.ports.pop3!))).serialNumber,
        (await presented(sieveStartTls(sievePort()))).serialNumber,
      ];
      return serials.every((serial) => serial === renewed.serialNumber) ? true : undefined;
    },
    10_000,
  );

  // The HTTP-01 answers were removed once used.
  assert.equal(readdirSync(join(testDb.dataDir, 'acme', 'challenges')).length, 0);
  const status = spawnSync(process.execPath, [bin, 'acme', 'status'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      POSTROOM_LOG: 'silent',
      POSTROOM_HOSTNAME: HOSTNAME,
      POSTROOM_ACME_DIRECTORY: `https://127.0.0.1:${acmePort}/dir`,
    },
  });
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /issuer: +.*Pebble/);
  assert.match(status.stdout, /last success: /);
  assert.doesNotMatch(status.stdout, /last error/);
});

test('the challenge route answers only tokens the worker stored', async () => {
  for (const path of ['unknown-token-0123456789abcdef', '..%2F..%2Fpostroom.db', 'short']) {
    const response = await fetch(`http://127.0.0.1:${webPort}/.well-known/acme-challenge/${path}`);
    assert.equal(response.status, 404, path);
  }
});
