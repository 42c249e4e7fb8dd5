// A remote mail server for the outbound tests: a real smtp-server that takes mail over STARTTLS,
// answers 4xx/5xx for chosen recipients and records every transaction it accepts.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { tlsServerOptions } from '../../server/core/tls';

export interface SinkMessage {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user: string | null;
}

export interface Sink {
  port: number;
  messages: SinkMessage[];
  /** Replies to give per recipient local part, e.g. { temp: [451, '4.2.0 try later'] }. */
  replies: Map<string, [number, string]>;
  connections: number;
  close(): Promise<void>;
}

export async function startSink(options: { auth?: { user: string; pass: string } } = {}): Promise<Sink> {
  const sink: Sink = { port: 0, messages: [], replies: new Map(), connections: 0, close: async () => {} };
  const server = new SMTPServer({
    ...(await tlsServerOptions()),
    logger: false,
    authOptional: !options.auth,
    authMethods: ['PLAIN', 'LOGIN'],
    onConnect(_session, callback) {
      sink.connections += 1;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass)
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error('5.7.8 bad credentials'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const reply = sink.replies.get(address.address.split('@')[0]!);
      if (reply) return callback(Object.assign(new Error(reply[1]), { responseCode: reply[0] }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        sink.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: (session.user as string | undefined) ?? null,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}
