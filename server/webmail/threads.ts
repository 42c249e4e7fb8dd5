// Conversations: the folder's messages grouped by References / In-Reply-To. Our IMAP server does
// it (THREAD=REFERENCES, RFC 5256 section 2.2); without THREAD the envelopes' Message-ID and
// In-Reply-To are linked here instead. Newest conversation first, one page at a time.
import type { ImapFlow } from 'imapflow';
import { withMailbox, type WebmailUser } from './connection';
import { fetchSummaries, MAX_PAGE_SIZE } from './list';
import type { ThreadPage } from './types';

/** At most this many messages of one conversation are listed (the newest ones). */
export const MAX_THREAD_MESSAGES = 100;

type ThreadAttribute = { type?: string; value?: string } | ThreadAttribute[];

/** The UIDs of each thread of a parsed "* THREAD" response, in tree order (RFC 5256 section 4). */
export function threadsFromResponse(attributes: ThreadAttribute[]): number[][] {
  const flatten = (node: ThreadAttribute, into: number[]) => {
    if (Array.isArray(node)) for (const child of node) flatten(child, into);
    else {
      const uid = Number(node.value);
      if (Number.isInteger(uid) && uid > 0) into.push(uid);
    }
  };
  const threads: number[][] = [];
  for (const thread of attributes) {
    const uids: number[] = [];
    flatten(thread, uids);
    if (uids.length) threads.push(uids);
  }
  return threads;
}

export interface ThreadingEnvelope {
  uid: number;
  messageId?: string | null;
  inReplyTo?: string | null;
}

/** Without THREAD: messages that reply to one another (by In-Reply-To) form one conversation. */
export function groupByReplies(messages: ThreadingEnvelope[]): number[][] {
  const parent = new Map<number, number>();
  const root = (uid: number): number => {
    let at = uid;
    while (parent.get(at) !== undefined && parent.get(at) !== at) at = parent.get(at)!;
    return at;
  };
  const byId = new Map<string, number>();
  const clean = (id: string | null | undefined) => (id ?? '').trim().toLowerCase();
  for (const message of messages) {
    parent.set(message.uid, message.uid);
    const id = clean(message.messageId);
    if (id && !byId.has(id)) byId.set(id, message.uid);
  }
  for (const message of messages) {
    const target = byId.get(clean(message.inReplyTo));
    if (target === undefined) continue;
    const a = root(message.uid);
    const b = root(target);
    if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
  }
  const groups = new Map<number, number[]>();
  for (const message of messages) {
    const key = root(message.uid);
    groups.set(key, [...(groups.get(key) ?? []), message.uid]);
  }
  return [...groups.values()].map((uids) => uids.sort((a, b) => a - b));
}

/** Newest conversation first: by the highest UID in it (the latest arrival). */
export function newestThreadsFirst(threads: number[][]): number[][] {
  return [...threads].sort((a, b) => Math.max(...b) - Math.max(...a));
}

// imapflow has no THREAD helper; exec() is its raw command path (as for SORT in list.ts).
interface RawExec {
  exec(
    command: string,
    attributes: unknown[],
    options: { untagged: Record<string, (untagged: { attributes?: ThreadAttribute[] }) => Promise<void>> },
  ): Promise<{ next(): void }>;
}

async function serverThreads(client: ImapFlow): Promise<number[][] | null> {
  if (!client.capabilities.has('THREAD=REFERENCES')) return null;
  let threads: number[][] = [];
  try {
    const response = await (client as unknown as RawExec).exec(
      'UID THREAD',
      [
        { type: 'ATOM', value: 'REFERENCES' },
        { type: 'ATOM', value: 'UTF-8' },
        { type: 'ATOM', value: 'ALL' },
      ],
      {
        untagged: {
          // biome-ignore lint/correctness/noComponentHookFactories: an IMAP response handler, not a component
          THREAD: async (untagged) => {
            threads = threadsFromResponse(untagged?.attributes ?? []);
          },
        },
      },
    );
    response.next();
  } catch {
    return null;
  }
  return threads;
}

async function envelopeThreads(client: ImapFlow): Promise<number[][]> {
  const envelopes: ThreadingEnvelope[] = [];
  for await (const message of client.fetch('1:*', { uid: true, envelope: true }))
    envelopes.push({
      uid: message.uid,
      messageId: message.envelope?.messageId,
      inReplyTo: message.envelope?.inReplyTo,
    });
  return groupByReplies(envelopes);
}

export async function listThreads(
  user: WebmailUser,
  folder: string,
  options: { page?: number; pageSize?: number } = {},
): Promise<ThreadPage> {
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? 50)));
  const page = Math.max(0, Math.floor(options.page ?? 0));
  return withMailbox(user, folder, async (client) => {
    const exists = client.mailbox ? client.mailbox.exists : 0;
    const result: ThreadPage = { folder, total: 0, page, pageSize, threads: [] };
    if (exists === 0) return result;
    const all = newestThreadsFirst((await serverThreads(client)) ?? (await envelopeThreads(client)));
    result.total = all.length;
    const shown = all
      .slice(page * pageSize, (page + 1) * pageSize)
      .map((uids) => [...uids].sort((a, b) => a - b).slice(-MAX_THREAD_MESSAGES));
    const summaries = new Map(
      (await fetchSummaries(client, shown.flat())).map((summary) => [summary.uid, summary]),
    );
    result.threads = shown
      .map((uids) => ({
        messages: uids
          .map((uid) => summaries.get(uid))
          .filter((summary) => summary !== undefined)
          .sort((a, b) => (Date.parse(a.date ?? '') || 0) - (Date.parse(b.date ?? '') || 0) || a.uid - b.uid),
      }))
      .filter((thread) => thread.messages.length > 0);
    return result;
  });
}
