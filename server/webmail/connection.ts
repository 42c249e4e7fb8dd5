// The webmail is a real IMAP client of our own server: one imapflow connection per signed-in
// mailbox, authenticated with a freshly minted token (SASL OAUTHBEARER, RFC 7628, or XOAUTH2),
// never the password. Connections are reused between requests and closed when left idle.
import { ImapFlow, type ImapFlowOptions, type MailboxLockObject } from 'imapflow';
import { config } from '../core/config';
import { tlsMaterial } from '../core/tls';
import { mintAccessToken } from '../auth/tokens';
import { logger } from '../core/logger';

/** Whom a webmail call acts for: always the session's own mailbox. */
export interface WebmailUser {
  id: number;
  address: string;
}

export interface WebmailEndpoints {
  host: string;
  imapPort: number;
  submissionPort: number;
}

interface PooledConnection {
  /** Set once `ready` has resolved. */
  client: ImapFlow | undefined;
  ready: Promise<ImapFlow>;
  lastUsed: number;
  busy: number;
}

interface WebmailState {
  endpoints?: WebmailEndpoints;
  pool: Map<string, PooledConnection>;
  sweeper?: NodeJS.Timeout;
}

// Next may load this module more than once (one copy per route bundle); the pool must be one.
const globalKey = Symbol.for('postroom.webmail.state');
const state: WebmailState = ((globalThis as Record<symbol, unknown>)[globalKey] as
  | WebmailState
  | undefined) ?? { pool: new Map() };
(globalThis as Record<symbol, unknown>)[globalKey] = state;

const IDLE_CLOSE_MS = 5 * 60_000;

/** Where our IMAP and submission listeners are; tests that bind port 0 set it here. */
export function setWebmailEndpoints(endpoints: Partial<WebmailEndpoints>): void {
  state.endpoints = { ...webmailEndpoints(), ...endpoints };
}

export function webmailEndpoints(): WebmailEndpoints {
  if (state.endpoints) return state.endpoints;
  const settings = config();
  const host =
    settings.listen === '0.0.0.0' || settings.listen === '::' || settings.listen === ''
      ? '127.0.0.1'
      : settings.listen;
  return { host, imapPort: settings.imapPort, submissionPort: settings.submissionPort };
}

/**
 * TLS options that trust our own certificate: the self-signed one from the data directory is
 * pinned as the only CA, so verification stays on without trusting anything else.
 */
export async function webmailTlsOptions(): Promise<{
  ca?: Buffer[];
  servername: string;
  minVersion: 'TLSv1.2';
}> {
  const material = await tlsMaterial();
  const servername = material.selfSigned ? 'localhost' : config().hostname;
  return material.selfSigned
    ? { ca: [material.cert], servername, minVersion: 'TLSv1.2' }
    : { servername, minVersion: 'TLSv1.2' };
}

/** An IMAP client of our own server over STARTTLS, logged in with a fresh token (never a password). */
export async function newImapClient(user: WebmailUser, options: Partial<ImapFlowOptions>): Promise<ImapFlow> {
  const endpoints = webmailEndpoints();
  return new ImapFlow({
    host: endpoints.host,
    port: endpoints.imapPort,
    secure: false,
    doSTARTTLS: true,
    tls: await webmailTlsOptions(),
    auth: { user: user.address, accessToken: await mintAccessToken(user.id) },
    logger: false,
    ...options,
  });
}

async function openConnection(user: WebmailUser): Promise<ImapFlow> {
  const client = await newImapClient(user, {
    disableAutoIdle: true,
    clientInfo: { name: 'Postroom webmail' },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  });
  await client.connect();
  return client;
}

function startSweeper(): void {
  if (state.sweeper) return;
  state.sweeper = setInterval(() => {
    const now = Date.now();
    for (const [key, pooled] of state.pool) {
      if (pooled.busy === 0 && now - pooled.lastUsed > IDLE_CLOSE_MS) {
        state.pool.delete(key);
        const client = pooled.client;
        client?.logout().catch(() => client.close());
      }
    }
    if (state.pool.size === 0 && state.sweeper) {
      clearInterval(state.sweeper);
      state.sweeper = undefined;
    }
  }, 30_000);
  state.sweeper.unref();
}

/** Pool key: the id and the address, so a connection is only ever reused for the same login. */
function poolKey(user: WebmailUser): string {
  return `${user.id}:${user.address.toLowerCase()}`;
}

async function connectionFor(user: WebmailUser): Promise<{ pooled: PooledConnection; client: ImapFlow }> {
  const key = poolKey(user);
  const existing = state.pool.get(key);
  if (existing) {
    // A connection still being set up is shared, not raced.
    try {
      const client = await existing.ready;
      if (client.usable) return { pooled: existing, client };
    } catch {
      // fall through and reconnect
    }
    if (state.pool.get(key) === existing) state.pool.delete(key);
  }
  const ready = openConnection(user).then((client) => {
    pooled.client = client;
    client.on('close', () => {
      if (state.pool.get(key) === pooled) state.pool.delete(key);
    });
    client.on('error', (error: Error) =>
      logger.warn('webmail imap error', { user: user.address, error: error.message }),
    );
    return client;
  });
  const pooled: PooledConnection = { client: undefined, ready, lastUsed: Date.now(), busy: 0 };
  state.pool.set(key, pooled);
  try {
    const client = await pooled.ready;
    startSweeper();
    return { pooled, client };
  } catch (error) {
    if (state.pool.get(key) === pooled) state.pool.delete(key);
    throw error;
  }
}

/** Runs `work` with the user's IMAP connection (no mailbox selected for it in particular). */
export async function withImap<T>(user: WebmailUser, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const { pooled, client } = await connectionFor(user);
  pooled.busy += 1;
  try {
    return await work(client);
  } finally {
    pooled.busy -= 1;
    pooled.lastUsed = Date.now();
  }
}

/**
 * Runs `work` with `path` selected. imapflow's mailbox lock queues concurrent requests of the
 * same user, so two browser tabs never interleave commands on a different selected folder.
 */
export async function withMailbox<T>(
  user: WebmailUser,
  path: string,
  work: (client: ImapFlow, lock: MailboxLockObject) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  return withImap(user, async (client) => {
    const alreadyOpen = client.mailbox && client.mailbox.path === path;
    const lock = await client.getMailboxLock(path, { readOnly: options.readOnly });
    try {
      // A folder selected by an earlier request may have changed since (new mail, another
      // client's expunge): NOOP collects the pending EXISTS/EXPUNGE first (RFC 3501 6.1.2).
      if (alreadyOpen) await client.noop();
      return await work(client, lock);
    } finally {
      lock.release();
    }
  });
}

/** Closes every pooled connection (tests, shutdown). */
export async function closeWebmailConnections(): Promise<void> {
  const all = [...state.pool.values()];
  state.pool.clear();
  if (state.sweeper) clearInterval(state.sweeper);
  state.sweeper = undefined;
  await Promise.all(
    all.map(async (pooled) => {
      try {
        const client = await pooled.ready;
        await client.logout();
      } catch {
        pooled.client?.close();
      }
    }),
  );
}
