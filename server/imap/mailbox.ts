// The selected mailbox as this session sees it: the UID list that sequence numbers index, and
// the change-feed cursor. Changes by anyone (this session, another session, another process via
// the poller) mark it dirty; sync() then reports them as EXISTS / EXPUNGE (or VANISHED under
// QRESYNC) / FETCH FLAGS, holding back expunges while FETCH, STORE or SEARCH runs (RFC 9051 7.5.1).
import {
  changesAfter,
  claimRecent,
  folderUids,
  holdChangePoller,
  onFolderChange,
  readFlags,
  recentMark,
  type FolderState,
  type FolderView,
} from '../store';
import { lowerBound, formatSequence } from './parser';
import { formatFlags } from './format';
import type { ImapSession } from './session';
import { keywordsAt, sharedViews, shareView } from './mailbox-views';

const OWN_MODSEQ_MEMORY = 64;

/** What one sync told the session: new UIDs, expunges announced, UIDs whose flags changed (own STOREs too). */
export interface MailboxReport {
  added: number[];
  expunged: number[];
  flagged: number[];
}

/** Runs after a sync that reported something, e.g. to send ESEARCH context updates or NOTIFY events. */
export type ReportListener = (session: ImapSession, report: MailboxReport) => Promise<void> | void;

export const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';
const STANDARD_KEYWORDS = ['$Forwarded', '$MDNSent', '$Junk', '$NotJunk', '$Phishing'];

export class SelectedMailbox {
  /** Sorted UIDs; sequence number n is uids[n - 1]. Never changed in place (it may be shared). */
  uids: Uint32Array = new Uint32Array(0);
  lastChangeId = 0;
  highestModseq = 0n;
  /** The HIGHESTMODSEQ the client was last told (SELECT, an untagged OK, its own STORE's MODSEQ). */
  private announcedModseq = 0n;
  /** Set while EXPUNGE syncs: its tagged OK carries HIGHESTMODSEQ (RFC 7162 section 3.2.10). */
  modseqInTaggedReply = false;
  uidNext = 1;
  firstUnseenUid: number | null = null;
  /** Expunged in the store but not yet announced: they keep their sequence numbers until then. */
  readonly pendingExpunge = new Set<number>();
  /** MODSEQs this session produced with STORE: their FETCH was already sent (or silenced). */
  readonly ownModseqs: bigint[] = [];
  /** UIDs that are \Recent in this session (IMAP4rev1 only). */
  readonly recent = new Set<number>();
  /** Keywords announced in FLAGS; a new one means a new FLAGS response first (RFC 9051 7.3.5). */
  readonly keywords = new Map<string, string>();
  /** Called on every change notification; IDLE uses it to answer at once. */
  onChange: (() => void) | undefined;
  /** Called in order after each sync that found changes (see MailboxReport). */
  readonly reportListeners: ReportListener[] = [];
  /** Called with UIDs about to be announced as expunged, while their sequence numbers still hold. */
  readonly expungeListeners: ((session: ImapSession, uids: number[]) => void)[] = [];
  private dirty = true;
  private running: Promise<void> | null = null;
  private readonly unlisten: () => void;
  private readonly releasePoller: () => void;

  private constructor(
    readonly folderId: number,
    readonly name: string,
    readonly uidValidity: number,
    readonly readOnly: boolean,
  ) {
    this.unlisten = onFolderChange(folderId, () => {
      this.dirty = true;
      this.onChange?.();
    });
    this.releasePoller = holdChangePoller();
  }

  /** Opens a folder from its state as SELECT read it (store folderStateByName, with the lookup). */
  static async open(state: FolderState, readOnly: boolean): Promise<SelectedMailbox> {
    const { folder } = state;
    const mailbox = new SelectedMailbox(folder.id, folder.name, folder.uidValidity, readOnly);
    try {
      const shared = sharedViews.get(folder.id);
      // The UID list is read only when the folder changed since the list this process shares.
      const view: FolderView = {
        ...state,
        uids: state.lastChangeId === shared?.changeId ? null : await folderUids(folder.id),
      };
      mailbox.uids = view.uids
        ? shareView(folder.id, view.lastChangeId, Uint32Array.from(view.uids))
        : shared!.uids;
      mailbox.lastChangeId = view.lastChangeId;
      mailbox.highestModseq = view.highestModseq;
      mailbox.announcedModseq = view.highestModseq;
      mailbox.uidNext = view.uidNext;
      mailbox.firstUnseenUid = view.firstUnseenUid;
      mailbox.dirty = false;
      for (const word of [...STANDARD_KEYWORDS, ...(await keywordsAt(folder.id, view.lastChangeId))])
        mailbox.keywords.set(word.toLowerCase(), word);
      await mailbox.takeRecent(mailbox.uids, view.recentUid);
      return mailbox;
    } catch (error) {
      mailbox.close();
      throw error;
    }
  }

  close(): void {
    this.unlisten();
    this.releasePoller();
    this.onChange = undefined;
  }

  /** Marks new UIDs \Recent if this session is the first to see them (EXAMINE only looks). */
  private async takeRecent(fresh: ArrayLike<number>, knownMark = 0): Promise<void> {
    if (fresh.length === 0) return;
    const highest = fresh[fresh.length - 1]!;
    if (knownMark >= highest) return; // the mark only rises: none of these can be recent
    const mark = this.readOnly ? await recentMark(this.folderId) : await claimRecent(this.folderId, highest);
    for (let i = fresh.length - 1; i >= 0 && fresh[i]! > mark; i--) this.recent.add(fresh[i]!);
  }

  /** FLAGS and PERMANENTFLAGS lines for SELECT and for keyword changes. */
  flagLines(): string[] {
    const keywords = [...this.keywords.values()].join(' ');
    return [
      `* FLAGS (${SYSTEM_FLAGS} ${keywords})`,
      `* OK [PERMANENTFLAGS (${this.readOnly ? '' : `${SYSTEM_FLAGS} ${keywords} \\*`})] Flags permitted`,
    ];
  }

  /** Sends FLAGS again when any of these keywords is new to the session. */
  announceKeywords(session: ImapSession, keywordLists: string[]): void {
    let added = false;
    for (const list of keywordLists) {
      for (const word of list.split(' ')) {
        if (!word || this.keywords.has(word.toLowerCase())) continue;
        this.keywords.set(word.toLowerCase(), word);
        added = true;
      }
    }
    if (added) for (const line of this.flagLines()) session.send(line);
  }

  /** The flags of a message as this session shows them (with \Recent for IMAP4rev1). */
  flagsOf(session: ImapSession, row: Parameters<typeof formatFlags>[0] & { uid: number }): string {
    const flags = formatFlags(row);
    if (!this.recent.has(row.uid) || session.enabled.has('IMAP4REV2')) return flags;
    return flags === '()' ? '(\\Recent)' : `(\\Recent ${flags.slice(1)}`;
  }

  /** 1-based sequence number of a UID in this view, or 0. */
  seqOf(uid: number): number {
    const at = lowerBound(this.uids, uid);
    return this.uids[at] === uid ? at + 1 : 0;
  }

  rememberOwnModseq(modseq: bigint): void {
    this.ownModseqs.push(modseq);
    if (this.ownModseqs.length > OWN_MODSEQ_MEMORY) this.ownModseqs.shift();
  }

  /** Reports pending changes; concurrent callers share one run. */
  async sync(session: ImapSession, allowExpunge: boolean): Promise<void> {
    while (this.running) await this.running;
    if (!this.dirty && !(allowExpunge && this.pendingExpunge.size > 0)) return;
    this.running = this.report(session, allowExpunge).finally(() => (this.running = null));
    await this.running;
  }

  private async report(session: ImapSession, allowExpunge: boolean): Promise<void> {
    const flagged = new Set<number>();
    const added: number[] = [];
    while (this.dirty) {
      this.dirty = false;
      const changes = await changesAfter(this.folderId, this.lastChangeId);
      if (changes.length === 0) break;
      this.lastChangeId = changes[changes.length - 1]!.id;
      if (changes.length >= 10_000) this.dirty = true;
      const highestKnown = () =>
        added.length ? added[added.length - 1]! : (this.uids[this.uids.length - 1] ?? 0);
      for (const change of changes) {
        if (change.modseq > this.highestModseq) this.highestModseq = change.modseq;
        if (change.kind === 'new' && change.uid > highestKnown()) added.push(change.uid);
        else if (change.kind === 'expunge') {
          const at = added.indexOf(change.uid);
          if (at >= 0) added.splice(at, 1);
          else if (this.seqOf(change.uid)) this.pendingExpunge.add(change.uid);
          flagged.delete(change.uid);
        } else if (change.kind === 'flags') flagged.add(change.uid);
      }
    }
    const expunged = allowExpunge && this.pendingExpunge.size > 0 ? this.announceExpunges(session) : [];
    if (added.length > 0) {
      const grown = new Uint32Array(this.uids.length + added.length);
      grown.set(this.uids);
      grown.set(added, this.uids.length);
      this.uids = grown;
      this.uidNext = Math.max(this.uidNext, added[added.length - 1]! + 1);
      await this.takeRecent(added);
      session.send(`* ${this.uids.length} EXISTS`);
      if (!session.enabled.has('IMAP4REV2')) session.send(`* ${this.recent.size} RECENT`);
    }
    if (this.pendingExpunge.size === 0) this.uids = shareView(this.folderId, this.lastChangeId, this.uids);
    const report = [...flagged].filter(
      (uid) => this.seqOf(uid) > 0 && !this.pendingExpunge.has(uid) && !added.includes(uid),
    );
    const fetchedModseq = await this.announceFlags(session, report);
    this.announceHighestModseq(session, fetchedModseq);
    if (added.length + expunged.length + report.length === 0) return;
    for (const listener of this.reportListeners)
      await listener(session, { added, expunged, flagged: report });
  }

  /**
   * RFC 7162 sections 3.1.2.1 and 3.2.10: with CONDSTORE on, a HIGHESTMODSEQ risen by new mail,
   * expunges or flag changes is announced, or a two-way sync (interimap) takes its own APPENDs for
   * changes at its next CHANGEDSINCE. Not while expunges are held back: a client that saved the value
   * would never hear of them. Not when the client just saw it as a MODSEQ (its own STORE, as Dovecot).
   */
  private announceHighestModseq(session: ImapSession, fetchedModseq: bigint): void {
    if (this.highestModseq <= this.announcedModseq || this.pendingExpunge.size > 0) return;
    const alreadySeen =
      this.modseqInTaggedReply ||
      fetchedModseq === this.highestModseq ||
      this.ownModseqs.includes(this.highestModseq);
    if (session.condstore && !alreadySeen) session.send(`* OK [HIGHESTMODSEQ ${this.highestModseq}] Highest`);
    this.announcedModseq = this.highestModseq;
  }

  /** Sends FETCH FLAGS for others' flag changes; returns the highest MODSEQ sent (0 when none). */
  private async announceFlags(session: ImapSession, report: number[]): Promise<bigint> {
    let fetchedModseq = 0n;
    if (report.length > 0) {
      const rows = (await readFlags(this.folderId, report)).filter(
        (row) => !this.ownModseqs.includes(row.modseq),
      );
      this.announceKeywords(
        session,
        rows.map((row) => row.keywords),
      );
      for (const row of rows) {
        const seq = this.seqOf(row.uid);
        if (seq === 0) continue;
        session.send(
          `* ${seq} FETCH (UID ${row.uid} FLAGS ${this.flagsOf(session, row)}${session.condstore ? ` MODSEQ (${row.modseq})` : ''})`,
        );
        if (session.condstore && row.modseq > fetchedModseq) fetchedModseq = row.modseq;
      }
    }
    return fetchedModseq;
  }

  /** Sends EXPUNGE (or VANISHED) for the pending expunges and returns their UIDs. */
  private announceExpunges(session: ImapSession): number[] {
    const gone = [...this.pendingExpunge].sort((a, b) => a - b);
    this.pendingExpunge.clear();
    for (const listener of this.expungeListeners) listener(session, gone);
    const drop = new Set(gone);
    const before = this.uids;
    this.uids = before.filter((uid) => !drop.has(uid));
    for (const uid of gone) this.recent.delete(uid);
    if (session.enabled.has('QRESYNC')) {
      session.send(`* VANISHED ${formatSequence(gone)}`);
      return gone;
    }
    // Highest sequence number first, so each EXPUNGE leaves the lower numbers unchanged.
    const seqs: number[] = [];
    for (const uid of gone) {
      const at = lowerBound(before, uid);
      if (before[at] === uid) seqs.push(at + 1);
    }
    for (let i = seqs.length - 1; i >= 0; i--) session.send(`* ${seqs[i]} EXPUNGE`);
    return gone;
  }
}
