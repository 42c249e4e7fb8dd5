// IMAP NOTIFY (RFC 5465) for one session: what it asked for (notify-config.ts) turned into
// unsolicited responses. Other mailboxes: STATUS when their counts change (message feed, other
// processes through the poller), LIST when folders or subscriptions change (folder-list feed).
// The selected mailbox: see notify-selected.ts.
//
// When (RFC 5465 sections 4 and 5): only while no command runs (between commands, and during
// IDLE, which then reports exactly what NOTIFY asked); events heard during a command wait for its
// end. A command starts only after a notification burst in progress is written.
import { logger } from '../core/logger';
import { holdChangePoller, normaliseFolderName, onAnyChange, DELIMITER } from '../store';
import { folderCounts, folderOwner, type FolderCounts } from '../store/folder-counts';
import { folderListChanged, onFolderListChange } from '../store/folder-list-feed';
import type { ParsedCommand } from './parser';
import { mailboxOut } from './format';
import type { ImapSession } from './session';
import {
  eventsFor,
  hasMessageEvent,
  NOTIFY_NONE,
  type NotifyConfig,
  type NotifyEvent,
} from './notify-config';
import { absorb, folderListLines, loadFolders, type FolderSnapshot } from './notify-folders';
import { SelectedWatch } from './notify-selected';

/**
 * RFC 5465 section 5.8: when more than this much output waits for the client to read it and it
 * does not read it within the wait, notifications stop (the environment may set smaller ones).
 */
const backlogLimit = () => Number(process.env.POSTROOM_IMAP_NOTIFY_BACKLOG ?? 4 * 1024 * 1024);
const backlogWaitMs = () => Number(process.env.POSTROOM_IMAP_NOTIFY_WAIT_MS ?? 10_000);
/** Commands whose new messages the client made itself: no MessageNew FETCH for them (section 5.2). */
const ADDING_COMMANDS = new Set(['APPEND', 'COPY', 'MOVE', 'UID COPY', 'UID MOVE']);

export class Notifier {
  /** The folder list as the client was last told it (null when no non-selected filter). */
  private known: FolderSnapshot | null = null;
  /** The counts last sent (or found) per folder, so a change no one asked about sends nothing. */
  private readonly told = new Map<number, FolderCounts>();
  private readonly pendingStatus = new Set<number>();
  private listDirty = false;
  private selectedDirty = false;
  private idling = false;
  private flushing: Promise<void> | null = null;
  private stopped = false;
  private readonly cleanup: (() => void)[] = [];
  private attached: SelectedWatch | null = null;

  /** `command`: the command running now, if any (NOTIFY itself when made by it). */
  constructor(
    private readonly session: ImapSession,
    readonly config: NotifyConfig,
    private command: string | null,
  ) {}

  /** Starts listening; with the STATUS indicator, returns the STATUS lines to send before the OK. */
  async start(): Promise<string[]> {
    const userId = this.session.user!.id;
    if (this.config.groups.length > 0) {
      this.cleanup.push(onFolderListChange(userId, () => this.mark(() => (this.listDirty = true))));
      this.known = await loadFolders(userId);
      if (this.config.groups.some((group) => hasMessageEvent(group.events))) {
        this.cleanup.push(
          onAnyChange((folderId) => void this.heard(folderId).catch(() => undefined)),
          holdChangePoller(),
        );
      }
    }
    this.attach();
    return this.config.status ? this.initialStatus() : [];
  }

  stop(): void {
    this.stopped = true;
    this.attached?.detach();
    this.attached = null;
    for (const undo of this.cleanup.splice(0)) undo();
  }

  /** The session is about to run a command: no notifications until it ends. */
  async beforeCommand(command: ParsedCommand): Promise<void> {
    const sub =
      command.name === 'UID' && command.tokens[0]?.kind === 'atom'
        ? ` ${command.tokens[0].value.toUpperCase()}`
        : '';
    this.command = `${command.name}${sub}`;
    if (this.flushing) await this.flushing;
  }

  afterCommand(): void {
    this.command = null;
    if (this.stopped) return;
    this.attach();
    this.schedule();
  }

  /** IDLE (RFC 5465 section 4): notifications flow while it lasts, expunges too. */
  async setIdle(idling: boolean): Promise<void> {
    this.idling = idling;
    if (idling) this.mark(() => (this.selectedDirty = this.attached !== null));
    else if (this.flushing) await this.flushing;
  }

  /** After this session changed folders itself: its own change is not reported back (section 5). */
  async absorbOwn(touched: (name: string) => boolean): Promise<void> {
    if (this.known && !this.stopped)
      this.known = absorb(this.known, await loadFolders(this.session.user!.id), touched);
  }

  private get windowOpen(): boolean {
    return !this.stopped && (this.command === null || this.idling);
  }

  private mark(change: () => void): void {
    change();
    this.schedule();
  }

  private schedule(): void {
    if (
      this.flushing ||
      !this.windowOpen ||
      !(this.listDirty || this.selectedDirty || this.pendingStatus.size > 0)
    )
      return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flush())
      .catch((error: unknown) => logger.warn('NOTIFY delivery failed', { error: String(error) }))
      .finally(() => {
        this.flushing = null;
        this.schedule();
      });
  }

  private async flush(): Promise<void> {
    while (this.windowOpen && (this.listDirty || this.selectedDirty || this.pendingStatus.size > 0)) {
      if (!(await this.backlogCleared())) return this.overflow();
      const lines: string[] = [];
      if (this.listDirty) {
        this.listDirty = false;
        const fresh = await loadFolders(this.session.user!.id);
        lines.push(...folderListLines(this.config, this.known!, fresh, this.session.utf8));
        for (const id of this.known!.byId.keys()) if (!fresh.byId.has(id)) this.told.delete(id);
        this.known = fresh;
      }
      if (this.selectedDirty) {
        this.selectedDirty = false;
        await this.attached?.sync(this.idling);
      }
      const ids = [...this.pendingStatus];
      this.pendingStatus.clear();
      for (const id of ids) {
        const line = await this.statusChange(id);
        if (line) lines.push(line);
      }
      for (const line of lines) this.session.send(line);
    }
  }

  /** Whether the client's unread output is (or within the wait gets) below the limit. */
  private async backlogCleared(): Promise<boolean> {
    const socket = this.session.socket;
    if (socket.writableLength <= backlogLimit()) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        socket.off('drain', done).off('close', done);
        resolve();
      };
      const timer = setTimeout(done, backlogWaitMs());
      socket.on('drain', done).on('close', done);
    });
    return socket.writableLength <= backlogLimit();
  }

  /** RFC 5465 section 5.8: say so, and behave as after NOTIFY NONE. */
  private overflow(): void {
    this.stop();
    this.session.notify = new Notifier(this.session, NOTIFY_NONE, this.command);
    this.session.send(
      '* OK [NOTIFICATIONOVERFLOW] Too many notifications unread; NOTIFY NONE is now in effect',
    );
  }

  /** A message change in some folder, from this process or (through the poller) another. */
  private async heard(folderId: number): Promise<void> {
    if (this.stopped || folderId === this.session.mailbox?.folderId) return;
    if (!this.known!.byId.has(folderId)) {
      // Another user's folder, or one of ours created since the list was read.
      if ((await folderOwner(folderId)) !== this.session.user!.id) return;
      this.listDirty = true;
    }
    this.mark(() => this.pendingStatus.add(folderId));
  }

  private async initialStatus(): Promise<string[]> {
    const lines: string[] = [];
    const folders = [...(this.known?.byId.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const folder of folders) {
      const events = eventsFor(this.config, folder);
      if (folder.id === this.session.mailbox?.folderId || !hasMessageEvent(events)) continue;
      const counts = await folderCounts(folder.id);
      if (!counts) continue;
      this.told.set(folder.id, counts);
      lines.push(this.statusLine(folder.name, counts, events));
    }
    return lines;
  }

  /** STATUS for a non-selected folder whose counts changed in a way the client asked about. */
  private async statusChange(folderId: number): Promise<string | null> {
    const folder = this.known?.byId.get(folderId);
    if (!folder || folderId === this.session.mailbox?.folderId) return null;
    const events = eventsFor(this.config, folder);
    if (!hasMessageEvent(events)) return null;
    const now = await folderCounts(folderId);
    if (!now) return null;
    const before = this.told.get(folderId);
    this.told.set(folderId, now);
    // Without a baseline (no STATUS indicator, nothing sent yet) the first change is reported whatever it was.
    const reset = !before || before.uidValidity !== now.uidValidity;
    const added = reset ? 1 : now.uidNext - before.uidNext;
    const expunged = reset ? 1 : before.messages + added - now.messages;
    const flagged = reset || before.unseen !== now.unseen || before.highestModseq !== now.highestModseq;
    const wanted =
      (events.has('MessageNew') && added > 0) ||
      (events.has('MessageExpunge') && expunged > 0) ||
      (events.has('FlagChange') && flagged);
    return wanted ? this.statusLine(folder.name, now, events) : null;
  }

  private statusLine(name: string, counts: FolderCounts, events: Set<NotifyEvent>): string {
    // RFC 5465 sections 5.1-5.3: MESSAGES UIDNEXT UIDVALIDITY, HIGHESTMODSEQ for FlagChange or
    // CONDSTORE; UNSEEN too, as clients show unread counts.
    const modseq =
      events.has('FlagChange') || this.session.condstore ? ` HIGHESTMODSEQ ${counts.highestModseq}` : '';
    return `* STATUS ${mailboxOut(name, this.session.utf8)} (MESSAGES ${counts.messages} UIDNEXT ${counts.uidNext} UIDVALIDITY ${counts.uidValidity} UNSEEN ${counts.unseen}${modseq})`;
  }

  /** Follows the selected mailbox (SELECT, CLOSE and the like change it between commands). */
  private attach(): void {
    const mailbox = this.session.mailbox;
    if (this.attached?.mailbox === mailbox) return;
    this.attached?.detach();
    this.attached = null;
    const selected = this.config.selected;
    if (!mailbox || !selected || selected.events.size === 0 || this.stopped) return;
    const onChange = () => this.mark(() => (this.selectedDirty = true));
    this.attached = new SelectedWatch(mailbox, selected, this.session, onChange, () =>
      ADDING_COMMANDS.has(this.command ?? ''),
    );
  }
}

/**
 * After this session's CREATE, DELETE, RENAME or (UN)SUBSCRIBE of `names` (and what lies under
 * them): every other watcher hears of it, this session's NOTIFY does not report it back.
 */
export async function announceFolderChange(session: ImapSession, names: string[]): Promise<void> {
  const roots = names.map(normaliseFolderName);
  const touched = (name: string) =>
    roots.some((root) => name === root || name.startsWith(`${root}${DELIMITER}`));
  try {
    await folderListChanged(session.user!.id);
    await session.notify?.absorbOwn(touched);
  } catch (error) {
    // The change itself is done; a lost signal only delays other sessions' LIST until the next one.
    logger.warn('folder list change not announced', { error: String(error) });
  }
}
