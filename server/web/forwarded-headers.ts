// Makes the X-Forwarded-* headers of every request to the console trustworthy before Next.js and
// our code read them. `next start` only fills X-Forwarded-For with the socket's address when the
// request brings none (and X-Forwarded-Host/-Proto likewise), so a client talking to the console
// directly could name any address: its failed sign-ins were counted against a forged (or the
// victim's) address, and the logs recorded it. Here, before Next sees the request:
// - with POSTROOM_TRUSTED_PROXIES=0 (the default) every forwarding header the client sent is
//   dropped and X-Forwarded-For becomes the socket's address; Next then derives Host and scheme
//   from the request itself;
// - with N trusted proxies the socket's address is appended to X-Forwarded-For as one more hop
//   (as a proxy does), and client-ip.ts takes the entry N from the end: the address the outermost
//   trusted proxy saw. X-Forwarded-Host/-Proto from the proxy are believed.
// next.config.mjs installs this in the `next start` process (no custom server is needed).
import type { EventEmitter } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

const FORWARDING_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
  'forwarded',
];

/** POSTROOM_TRUSTED_PROXIES: how many reverse proxies in front of the console append to XFF. */
export function trustedProxyCount(): number {
  const value = Number(process.env.POSTROOM_TRUSTED_PROXIES ?? 0);
  return Number.isInteger(value) && value > 0 ? Math.min(value, 16) : 0;
}

/** "::ffff:192.0.2.1" (an IPv4 client on a dual-stack socket) as "192.0.2.1". */
export function plainAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/** Rewrites the request's forwarding headers in place (see the file comment). */
export function stampForwardedHeaders(
  headers: IncomingHttpHeaders,
  socketAddress: string | undefined,
  trustedProxies = trustedProxyCount(),
): void {
  const peer = socketAddress ? plainAddress(socketAddress) : undefined;
  if (trustedProxies === 0) {
    for (const name of FORWARDING_HEADERS) delete headers[name];
    if (peer) headers['x-forwarded-for'] = peer;
    return;
  }
  const sent = headers['x-forwarded-for'];
  const hops = (Array.isArray(sent) ? sent.join(',') : (sent ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (peer) hops.push(peer);
  if (hops.length) headers['x-forwarded-for'] = hops.join(', ');
  else delete headers['x-forwarded-for'];
}

const installed = Symbol.for('postroom.forwarded-headers');

/** Installs the rewrite for every HTTP(S) server of this process, once. */
export function installForwardedHeaderStamp(): void {
  const registry = globalThis as Record<symbol, unknown>;
  if (registry[installed]) return;
  registry[installed] = true;
  for (const prototype of [http.Server.prototype, https.Server.prototype] as EventEmitter[]) {
    const emit = prototype.emit;
    prototype.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]) {
      if (event === 'request') {
        const request = args[0] as IncomingMessage;
        stampForwardedHeaders(request.headers, request.socket?.remoteAddress);
      }
      return emit.apply(this, [event, ...args]);
    };
  }
}
