// NOTIFY for the selected mailbox (RFC 5465 sections 5.1-5.3, 6.1): its changes reported between
// commands by the usual sync (EXISTS, EXPUNGE or VANISHED, FETCH FLAGS), and MessageNew's fetch
// attributes as a FETCH after the EXISTS, through SelectedMailbox.reportListeners.
import { logger } from '../core/logger';
import { changesAfter, onFolderChange } from '../store';
import { Args, formatSequence, type ParsedCommand } from './parser';
import { UID_FETCH } from './commands/fetch';
import type { ImapSession } from './session';
import type { MailboxReport, SelectedMailbox } from './mailbox';
import type { SelectedFilter } from './notify-config';

export class SelectedWatch {
  private readonly unlisten: () => void;
  private readonly listener = (_: ImapSession, report: MailboxReport) => this.fetchNew(report);

  /** `ownAdd`: whether the running command adds messages itself (no FETCH for those, section 5.2). */
  constructor(
    readonly mailbox: SelectedMailbox,
    private readonly filter: SelectedFilter,
    private readonly session: ImapSession,
    onChange: () => void,
    private readonly ownAdd: () => boolean,
  ) {
    this.unlisten = onFolderChange(mailbox.folderId, onChange);
    // First, so the FETCH follows the EXISTS before any ESEARCH update (RFC 5465 section 7).
    mailbox.reportListeners.unshift(this.listener);
  }

  detach(): void {
    this.unlisten();
    const at = this.mailbox.reportListeners.indexOf(this.listener);
    if (at >= 0) this.mailbox.reportListeners.splice(at, 1);
  }

  /**
   * Reports the changes now if one is of a kind the client asked for: SELECTED-DELAYED keeps
   * expunges for a command that may carry them (or IDLE); flag changes wait without FlagChange.
   */
  async sync(idling: boolean): Promise<void> {
    if (this.session.mailbox !== this.mailbox) return;
    const expunges = !this.filter.delayed || idling;
    const kinds = new Set(
      (await changesAfter(this.mailbox.folderId, this.mailbox.lastChangeId, 1000)).map(
        (change) => change.kind,
      ),
    );
    const wanted =
      kinds.has('new') ||
      (expunges && (kinds.has('expunge') || this.mailbox.pendingExpunge.size > 0)) ||
      (this.filter.events.has('FlagChange') && kinds.has('flags'));
    if (wanted) await this.mailbox.sync(this.session, expunges);
  }

  private async fetchNew(report: MailboxReport): Promise<void> {
    if (!this.filter.fetch || report.added.length === 0 || this.ownAdd()) return;
    const args = new Args([{ kind: 'atom', value: formatSequence(report.added) }, this.filter.fetch]);
    const command: ParsedCommand = { tag: '*', name: 'UID FETCH', args, tokens: [] };
    try {
      await UID_FETCH.run(this.session, command);
    } catch (error) {
      logger.warn('NOTIFY MessageNew fetch failed', { error: String(error) });
    }
  }
}
