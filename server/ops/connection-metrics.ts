// Connections and open sessions per mail listener, counted from Node's own `net.server.socket`
// diagnostics channel: every accepted socket is published there (cluster children included), so
// the SMTP, IMAP and POP3 code needs no call of its own. The socket's local port names its listener.
// Open sessions are recounted when read, from whether each socket is destroyed: a 'close'
// listener is not enough, since smtp-server removes every listener from a socket at STARTTLS.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { connectionsTotal, sessionsActive, setSessionsRefresher } from './metrics';

interface Labels {
  protocol: string;
  listener: string;
}

function protocolOf(listener: string): string {
  if (listener.startsWith('imap')) return 'imap';
  if (listener.startsWith('pop3')) return 'pop3';
  if (listener === 'managesieve') return 'sieve';
  return 'smtp'; // smtp, submission, smtps
}

/** Past this many tracked sockets, closed ones are dropped at the next connection (no scrape needed). */
const SWEEP_AT = 1024;

let listenersByPort = new Map<number, string>();
const open = new Map<Socket, Labels>();
let subscribed = false;

function sweep(): void {
  for (const socket of open.keys()) if (socket.destroyed) open.delete(socket);
}

function refresh(): void {
  sweep();
  sessionsActive.reset();
  for (const listener of listenersByPort.values())
    sessionsActive.set({ protocol: protocolOf(listener), listener }, 0);
  for (const labels of open.values()) sessionsActive.inc(labels);
}

/** `ports` as the worker's listeners report them: { smtp: 2525, imaps: 2993, ... }. */
export function trackConnections(ports: Record<string, number>): void {
  listenersByPort = new Map(Object.entries(ports).map(([listener, port]) => [port, listener]));
  setSessionsRefresher(refresh);
  if (subscribed) return;
  subscribed = true;
  subscribe('net.server.socket', (message) => {
    const socket = (message as { socket?: Socket }).socket;
    const listener = socket?.localPort === undefined ? undefined : listenersByPort.get(socket.localPort);
    if (!socket || !listener) return; // another server in this process (the metrics endpoint)
    const labels = { protocol: protocolOf(listener), listener };
    connectionsTotal.inc(labels);
    if (open.size >= SWEEP_AT) sweep();
    open.set(socket, labels);
  });
}
