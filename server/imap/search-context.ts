// Updating search contexts (RFC 5267 section 4.3, CONTEXT=SEARCH and CONTEXT=SORT): after SEARCH
// or SORT with RETURN (UPDATE) the session hears ESEARCH ADDTO / REMOVEFROM as messages start or
// stop matching, until CANCELUPDATE names the tag or the mailbox is no longer selected.
import { searchMessages, type SearchNode } from '../store';
import { bad } from './errors';
import { formatSequence, lowerBound } from './parser';
import { formatOrdered } from './commands/search-return';
import type { MailboxReport, SelectedMailbox } from './mailbox';
import type { ImapSession } from './session';

export type SortKey = string | number;

/** How a SORT context orders its results; ties go by UID (sequence number order). */
export interface ResultOrder {
  keysOf(uids: number[]): Promise<Map<number, SortKey[]>>;
  compare(a: SortKey[], b: SortKey[]): number;
}

/** RFC 5267 4.3.1: at least one context per client; beyond these, NOUPDATE. */
const MAX_CONTEXTS = 10;
const MAX_FOLLOWED_RESULTS = 200_000;

/** A run of results at a 1-based position of the list as it is when the pair is applied. */
interface Pair {
  position: number;
  uids: number[];
}

class UpdateContext {
  constructor(
    readonly tag: string,
    readonly byUid: boolean,
    readonly query: SearchNode,
    readonly order: ResultOrder | null,
    /** The result in its order: ascending UIDs for SEARCH, sorted for SORT. */
    private uids: number[],
    private readonly keys: Map<number, SortKey[]> | null,
  ) {}

  get size(): number {
    return this.uids.length;
  }

  has(uid: number): boolean {
    return this.keys ? this.keys.has(uid) : this.uids[lowerBound(this.uids, uid)] === uid;
  }

  /** Takes `gone` out; each pair's position counts the earlier pairs as already removed. */
  remove(gone: Set<number>): Pair[] {
    const pairs: Pair[] = [];
    const kept: number[] = [];
    for (const uid of this.uids) {
      if (!gone.has(uid)) {
        kept.push(uid);
        continue;
      }
      const last = pairs[pairs.length - 1];
      if (last && last.position === kept.length + 1) last.uids.push(uid);
      else pairs.push({ position: kept.length + 1, uids: [uid] });
      this.keys?.delete(uid);
    }
    this.uids = kept;
    return pairs;
  }

  /** Merges `fresh` in; pairs in ascending final position, so each lands where it ends up. */
  add(fresh: number[], keys: Map<number, SortKey[]> | null): Pair[] {
    const sortKeys = this.keys;
    if (sortKeys) {
      fresh = fresh.filter((uid) => keys?.has(uid)); // one expunged meanwhile has no keys
      for (const uid of fresh) sortKeys.set(uid, keys!.get(uid)!);
    }
    const before = (a: number, b: number) =>
      this.order && sortKeys ? this.order.compare(sortKeys.get(a)!, sortKeys.get(b)!) || a - b : a - b;
    const incoming = [...fresh].sort(before);
    const merged: number[] = [];
    const pairs: Pair[] = [];
    let i = 0;
    for (const uid of incoming) {
      while (i < this.uids.length && before(this.uids[i]!, uid) < 0) merged.push(this.uids[i++]!);
      const last = pairs[pairs.length - 1];
      if (last && last.position + last.uids.length === merged.length + 1) last.uids.push(uid);
      else pairs.push({ position: merged.length + 1, uids: [uid] });
      merged.push(uid);
    }
    while (i < this.uids.length) merged.push(this.uids[i++]!);
    this.uids = merged;
    return pairs;
  }

  /** SEARCH results may use position 0, "wherever they belong" (RFC 5267 4.3.3, 4.3.4). */
  format(mailbox: SelectedMailbox, pairs: Pair[]): string {
    const numbers = (uids: number[]) => (this.byUid ? uids : uids.map((uid) => mailbox.seqOf(uid)));
    if (!this.order) return `0 ${formatSequence(numbers(pairs.flatMap((pair) => pair.uids)))}`;
    return pairs.map((pair) => `${pair.position} ${formatOrdered(numbers(pair.uids))}`).join(' ');
  }

  line(items: string[]): string {
    return `* ESEARCH (TAG "${this.tag}")${this.byUid ? ' UID' : ''} ${items.join(' ')}`;
  }
}

const registry = new WeakMap<SelectedMailbox, Map<string, UpdateContext>>();

function contextsOf(mailbox: SelectedMailbox): Map<string, UpdateContext> {
  const known = registry.get(mailbox);
  if (known) return known;
  const contexts = new Map<string, UpdateContext>();
  registry.set(mailbox, contexts);
  mailbox.expungeListeners.push((session, uids) => dropExpunged(session, mailbox, contexts, uids));
  mailbox.reportListeners.push((session, report) => reevaluate(session, mailbox, contexts, report));
  return contexts;
}

/** RFC 5267 4.3: UPDATE with a tag an updating context already has is a BAD. */
export function assertTagFree(mailbox: SelectedMailbox, tag: string): void {
  if (registry.get(mailbox)?.has(tag)) throw bad(`Tag ${tag} already names an updating search`);
}

export interface FollowRequest {
  tag: string;
  byUid: boolean;
  query: SearchNode;
  /** The result the client was just given, in its order. */
  uids: number[];
  order: ResultOrder | null;
  keys: Map<number, SortKey[]> | null;
}

/** Keeps the result up to date, or says NOUPDATE (RFC 5267 4.3.1) when over the limits. */
export function followResult(session: ImapSession, mailbox: SelectedMailbox, request: FollowRequest): void {
  const contexts = contextsOf(mailbox);
  const followed = [...contexts.values()].reduce((sum, context) => sum + context.size, 0);
  if (contexts.size >= MAX_CONTEXTS || followed + request.uids.length > MAX_FOLLOWED_RESULTS) {
    session.send(`* NO [NOUPDATE "${request.tag}"] Too many updating searches`);
    return;
  }
  contexts.set(
    request.tag,
    new UpdateContext(
      request.tag,
      request.byUid,
      request.query,
      request.order,
      [...request.uids],
      request.keys,
    ),
  );
}

/** CANCELUPDATE: all tags must be known, else nothing is cancelled. */
export function cancelUpdates(mailbox: SelectedMailbox, tags: string[]): void {
  const contexts = registry.get(mailbox);
  for (const tag of tags)
    if (!contexts?.has(tag)) throw bad(`No updating search has tag ${tag.slice(0, 40)}`);
  for (const tag of tags) contexts!.delete(tag);
}

/** Before EXPUNGE: the numbers are still valid (RFC 5267 4.3.4). */
function dropExpunged(
  session: ImapSession,
  mailbox: SelectedMailbox,
  contexts: Map<string, UpdateContext>,
  expunged: number[],
): void {
  const gone = new Set(expunged);
  for (const context of contexts.values()) {
    if (!expunged.some((uid) => context.has(uid))) continue;
    session.send(context.line([`REMOVEFROM (${context.format(mailbox, context.remove(gone))})`]));
  }
}

/** After a sync: new and flag-changed messages are searched again, within each context's query. */
async function reevaluate(
  session: ImapSession,
  mailbox: SelectedMailbox,
  contexts: Map<string, UpdateContext>,
  report: MailboxReport,
): Promise<void> {
  const candidates = [...report.added, ...report.flagged].sort((a, b) => a - b);
  if (candidates.length === 0) return;
  for (const context of [...contexts.values()]) {
    const found = await searchMessages(mailbox.folderId, {
      op: 'and',
      nodes: [context.query, { op: 'uid', uids: candidates }],
    });
    const matching = new Set(found.uids);
    const gone = new Set(candidates.filter((uid) => !matching.has(uid) && context.has(uid)));
    const fresh = candidates.filter(
      (uid) => matching.has(uid) && !context.has(uid) && mailbox.seqOf(uid) > 0,
    );
    const keys = context.order && fresh.length > 0 ? await context.order.keysOf(fresh) : null;
    if (contexts.get(context.tag) !== context) continue; // cancelled meanwhile
    const items: string[] = [];
    const removed = gone.size > 0 ? context.remove(gone) : [];
    if (removed.length > 0) items.push(`REMOVEFROM (${context.format(mailbox, removed)})`);
    // ADDTO after EXISTS (RFC 5267 4.3.3): sync has announced the new messages by now.
    const added = fresh.length > 0 ? context.add(fresh, keys) : [];
    if (added.length > 0) items.push(`ADDTO (${context.format(mailbox, added)})`);
    if (items.length > 0) session.send(context.line(items));
  }
}
