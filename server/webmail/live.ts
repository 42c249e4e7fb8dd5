// New mail without reload: one extra IMAP connection per signed-in user sits in IDLE (RFC 2177)
// on INBOX and tells every open tab of that user through server-sent events. It opens with the
// first subscriber, reconnects with a fresh token when dropped, and closes shortly after the last
// tab goes away.
import type { ImapFlow } from 'imapflow';
import { logger } from '../core/logger';
import { newImapClient, type WebmailUser } from './connection';

export interface MailEvent {
  /** 'ready': the watcher is in INBOX (again); what came before it may not have been pushed. */
  type: 'exists' | 'expunge' | 'flags' | 'hello' | 'ready';
  folder: string;
  count?: number;
}

type Listener = (event: MailEvent) => void;

interface Watcher {
  user: WebmailUser;
  listeners: Set<Listener>;
  client?: ImapFlow;
  closing?: NodeJS.Timeout;
  retry?: NodeJS.Timeout;
  stopped: boolean;
}

const globalKey = Symbol.for('postroom.webmail.watchers');
const watchers: Map<number, Watcher> =
  ((globalThis as Record<symbol, unknown>)[globalKey] as Map<number, Watcher> | undefined) ?? new Map();
(globalThis as Record<symbol, unknown>)[globalKey] = watchers;

const LINGER_MS = 30_000;

function broadcast(watcher: Watcher, event: MailEvent): void {
  for (const listener of watcher.listeners) {
    try {
      listener(event);
    } catch {
      // a closed stream; its own cleanup removes it
    }
  }
}

async function connect(watcher: Watcher, attempt = 0): Promise<void> {
  if (watcher.stopped) return;
  const client = await newImapClient(watcher.user, {
    clientInfo: { name: 'Postroom webmail (live)' },
    // Re-issue IDLE now and then so a silent NAT or server timeout never leaves us deaf.
    maxIdleTime: 4 * 60_000,
    // Start IDLE as soon as INBOX is open (the default waits 15 s).
    autoIdleDelay: 100,
  });
  client.on('exists', (data: { path: string; count: number }) =>
    broadcast(watcher, { type: 'exists', folder: data.path, count: data.count }),
  );
  client.on('expunge', (data: { path: string }) =>
    broadcast(watcher, { type: 'expunge', folder: data.path }),
  );
  client.on('flags', (data: { path: string }) => broadcast(watcher, { type: 'flags', folder: data.path }));
  client.on('error', (error: Error) =>
    logger.warn('webmail live error', { user: watcher.user.address, error: error.message }),
  );
  client.on('close', () => {
    if (watcher.client !== client || watcher.stopped) return;
    watcher.client = undefined;
    watcher.retry = setTimeout(() => void connect(watcher, 1), 2_000);
    watcher.retry.unref();
  });
  try {
    await client.connect();
    await client.mailboxOpen('INBOX');
    if (watcher.stopped) {
      await client.logout();
      return;
    }
    // imapflow enters IDLE by itself once the selected mailbox is quiet (or polls with NOOP
    // where the server has no IDLE).
    watcher.client = client;
    // Mail that came while the watcher was connecting (or reconnecting) raised no event: the tabs
    // catch up now.
    broadcast(watcher, { type: 'ready', folder: 'INBOX' });
  } catch (error) {
    client.close();
    if (watcher.stopped) return;
    logger.warn('webmail live connect failed', {
      user: watcher.user.address,
      error: (error as Error).message,
    });
    watcher.retry = setTimeout(
      () => void connect(watcher, attempt + 1),
      Math.min(30_000, 1_000 * 2 ** attempt),
    );
    watcher.retry.unref();
  }
}

function stop(watcher: Watcher): void {
  watcher.stopped = true;
  if (watcher.retry) clearTimeout(watcher.retry);
  watchers.delete(watcher.user.id);
  const client = watcher.client;
  watcher.client = undefined;
  client?.logout().catch(() => client.close());
}

/** Subscribes to the user's live events; returns the unsubscribe function. */
export function subscribeMailEvents(user: WebmailUser, listener: Listener): () => void {
  let watcher = watchers.get(user.id);
  if (!watcher) {
    watcher = { user, listeners: new Set(), stopped: false };
    watchers.set(user.id, watcher);
    void connect(watcher);
  }
  if (watcher.closing) {
    clearTimeout(watcher.closing);
    watcher.closing = undefined;
  }
  const current = watcher;
  current.listeners.add(listener);
  // A new tab on a watcher already in INBOX: nothing was missed, but it learns it is live.
  if (current.client) queueMicrotask(() => listener({ type: 'ready', folder: 'INBOX' }));
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0 && !current.closing) {
      current.closing = setTimeout(() => stop(current), LINGER_MS);
      current.closing.unref();
    }
  };
}

/** Whether the user's watcher is connected and idling (for tests and the page's status dot). */
export function isWatching(userId: number): boolean {
  return !!watchers.get(userId)?.client?.usable;
}

export async function closeMailWatchers(): Promise<void> {
  for (const watcher of [...watchers.values()]) stop(watcher);
}
