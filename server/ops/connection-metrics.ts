// Connections and open sessions per mail listener, counted from Node's own `net.server.socket`
// diagnostics channel: every accepted socket is published there (cluster children included), so
// the SMTP, IMAP and POP3 code needs no call of its own. The socket's local port names its listener.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { connectionsTotal, sessionsActive } from './metrics';

function protocolOf(listener: string): string {
  if (listener.startsWith('imap')) return 'imap';
  if (listener.startsWith('pop3')) return 'pop3';
  return 'smtp'; // smtp, submission, smtps
}

let listenersByPort = new Map<number, string>();
let subscribed = false;

/** `ports` as the worker's listeners report them: { smtp: 2525, imaps: 2993, ... }. */
export function trackConnections(ports: Record<string, number>): void {
  listenersByPort = new Map(Object.entries(ports).map(([listener, port]) => [port, listener]));
  for (const listener of listenersByPort.values())
    sessionsActive.set({ protocol: protocolOf(listener), listener }, 0);
  if (subscribed) return;
  subscribed = true;
  subscribe('net.server.socket', (message) => {
    const socket = (message as { socket?: Socket }).socket;
    const listener = socket?.localPort === undefined ? undefined : listenersByPort.get(socket.localPort);
    if (!socket || !listener) return; // another server in this process (the metrics endpoint)
    const labels = { protocol: protocolOf(listener), listener };
    connectionsTotal.inc(labels);
    sessionsActive.inc(labels);
    socket.once('close', () => sessionsActive.dec(labels));
  });
}
