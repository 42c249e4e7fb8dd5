// Shared set-up for the IMAP integration tests: a fresh database with one mailbox, both IMAP
// listeners on ephemeral ports, and an imapflow client factory.
import { ImapFlow } from 'imapflow';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { addDomain, addMailbox } from '../../server/domain';
import { startImapServers, type RunningImapServers } from '../../server/imap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export const PASSWORD = 'Correct-horse-9-battery';

export interface ImapTestEnv {
  testDb: TestDatabase;
  servers: RunningImapServers;
  userId: number;
  address: string;
  close(): Promise<void>;
}

export async function startImapTestEnv(): Promise<ImapTestEnv> {
  const testDb = await createTestDatabase();
  await addDomain('example.org');
  const user = await addMailbox({ address: 'alice@example.org', password: PASSWORD, displayName: 'Alice' });
  const servers = await startImapServers({ host: '127.0.0.1', port: 0, tlsPort: 0 });
  return {
    testDb,
    servers,
    userId: user.id,
    address: 'alice@example.org',
    async close() {
      await servers.close();
      await testDb.cleanup();
    },
  };
}

export function imapflowClient(
  env: ImapTestEnv,
  implicitTls: boolean,
  auth: { user: string; pass?: string; accessToken?: string } = { user: env.address, pass: PASSWORD },
): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: implicitTls ? env.servers.ports.imaps! : env.servers.ports.imap!,
    secure: implicitTls,
    doSTARTTLS: implicitTls ? undefined : true,
    tls: { rejectUnauthorized: false },
    auth,
    logger: false,
    disableAutoIdle: true,
  } as ConstructorParameters<typeof ImapFlow>[0]);
}

/** A raw line-oriented client, for exact protocol checks. */
export class RawClient {
  private buffer = '';
  private waiters: (() => void)[] = [];
  constructor(public socket: Socket | TLSSocket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async plain(port: number): Promise<RawClient> {
    const socket = netConnect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawClient(socket);
    await client.readUntil(/^\* OK .*\r\n/m);
    return client;
  }

  static async tls(port: number): Promise<RawClient> {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const client = new RawClient(socket);
    await client.readUntil(/^\* OK .*\r\n/m);
    return client;
  }

  /** Waits until the buffer matches, returns everything up to the end of the match and drops it. */
  async readUntil(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.buffer);
      if (match) {
        const end = match.index + match[0].length;
        const out = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${pattern}; have: ${JSON.stringify(this.buffer.slice(-500))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a tagged command and returns all lines through its tagged answer. */
  async command(tag: string, text: string, timeoutMs?: number): Promise<string> {
    this.socket.write(`${tag} ${text}\r\n`);
    return this.readUntil(new RegExp(`^${tag} (OK|NO|BAD).*\\r\\n`, 'm'), timeoutMs);
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  pending(): string {
    return this.buffer;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function raw(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

/** A second worker process serving IMAP on the same database, for tests across processes. */
export interface ChildImapServer {
  ports: { imap: number; imaps: number };
  stop(): Promise<void>;
}

export async function startChildImapServer(): Promise<ChildImapServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/imap-child-server.ts'], {
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    ports: JSON.parse(line) as { imap: number; imaps: number },
    async stop() {
      child.stdin!.end();
      await once(child, 'exit');
    },
  };
}
