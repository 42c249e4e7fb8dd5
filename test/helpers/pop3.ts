// Shared set-up for the POP3 integration tests: a fresh database with a domain, mailboxes and
// messages in INBOX, the POP3 listeners on ephemeral ports, and a raw line client for the cases
// real clients never send (malformed commands, pipelining, STLS injection).
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './db';
import { addDomain, addMailbox } from '../../server/domain';
import { appendMessage, findDeliveryFolder } from '../../server/store';
import { config } from '../../server/core/config';
import { startPop3Servers, type Pop3Servers, type Pop3ServerOptions } from '../../server/pop3';

export const ALICE = { address: 'alice@example.test', password: 'Alice-pw-1234!' };
export const BOB = { address: 'bob@example.test', password: 'Bob-pw-5678!x' };

export interface Pop3World {
  testDb: TestDatabase;
  servers: Pop3Servers;
  cafile: string;
  aliceId: number;
  inboxId: number;
  messages: Buffer[];
  close(): Promise<void>;
}

export function sampleMessages(): Buffer[] {
  const crlf = (text: string) => Buffer.from(text.replace(/\r?\n/g, '\r\n'));
  return [
    crlf(
      'From: Carol <carol@example.test>\nTo: alice@example.test\nSubject: first\nMessage-ID: <p1@example.test>\n\nline one\n.starts with a dot\n..two dots\n.\nlast line\n',
    ),
    crlf(
      'From: dan@example.test\nTo: alice@example.test\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße aus Köln\nzweite Zeile\ndritte Zeile\n',
    ),
    crlf('From: eve@example.test\nTo: alice@example.test\nSubject: third\n\nno final line break'),
  ];
}

export async function createPop3World(options: Pop3ServerOptions = {}): Promise<Pop3World> {
  const testDb = await createTestDatabase();
  await addDomain('example.test');
  const alice = await addMailbox({ address: ALICE.address, password: ALICE.password });
  await addMailbox({ address: BOB.address, password: BOB.password });
  const inboxId = await findDeliveryFolder(alice.id);
  const messages = sampleMessages();
  for (const raw of messages) await appendMessage(raw, [{ folderId: inboxId }]);
  const servers = await startPop3Servers({ host: '127.0.0.1', port: 0, tlsPort: 0, ...options });
  return {
    testDb,
    servers,
    aliceId: alice.id,
    inboxId,
    messages,
    cafile: join(config().dataDir, 'tls', 'cert.pem'),
    async close() {
      await servers.close();
      await testDb.cleanup();
    },
  };
}

/** Runs a program to completion and returns its stdout (rejects on a non-zero exit). */
export function run(command: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} exited ${code}: ${stderr || stdout}`));
    });
  });
}

/** A minimal POP3 line client over a raw socket. */
export class PopWire {
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(public socket: Socket | TLSSocket) {
    this.listen(socket);
  }

  private listen(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number, tls = false): Promise<PopWire> {
    const socket = tls
      ? connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : connectTcp({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const wire = new PopWire(socket);
    await wire.line(); // greeting
    return wire;
  }

  /** Upgrades after a "+OK" to STLS. */
  async upgrade(): Promise<void> {
    const secured = connectTls({ socket: this.socket as Socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secured.once('secureConnect', () => resolve());
      secured.once('error', reject);
    });
    this.socket.removeAllListeners('data');
    this.buffer = '';
    this.socket = secured;
    this.listen(secured);
  }

  write(data: string): void {
    this.socket.write(data);
  }

  // Generous: under CI's six lanes on two cores, a child process's first AUTH (cold module loads
  // and an argon2id check) has taken more than 5 s. A passing test never waits this long.
  async line(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return text;
      }
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline)
        throw new Error(`timeout waiting for a line; have ${JSON.stringify(this.buffer.slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.line();
  }

  /** Reads a multi-line body after its status line, dot-unstuffed, without the terminator. */
  async body(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const text = await this.line();
      if (text === '.') return lines;
      lines.push(text.startsWith('.') ? text.slice(1) : text);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
