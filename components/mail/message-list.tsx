'use client';
// The message list: one page at a time, sortable, with a selection and bulk actions.
import type { FolderView, MessagePage, MessageSummary, SortKey } from '@/server/webmail/types';
import { displayName, formatListDate, formatSize } from './format';
import { Icon } from './icons';

export type BulkAction = 'seen' | 'unseen' | 'flag' | 'unflag' | 'delete' | 'junk' | 'notjunk' | 'move';

interface Props {
  page: MessagePage | null;
  loading: boolean;
  folders: FolderView[];
  folderUse: FolderView['specialUse'];
  selection: Set<number>;
  openUid: number | null;
  cursorUid: number | null;
  onOpen(message: MessageSummary): void;
  onToggle(uid: number): void;
  onToggleAll(): void;
  onAction(action: BulkAction, target?: string): void;
  onPage(page: number): void;
  onSort(sort: SortKey, reverse: boolean): void;
}

function Toolbar({
  page,
  folders,
  folderUse,
  selection,
  onAction,
  onToggleAll,
}: Pick<Props, 'page' | 'folders' | 'folderUse' | 'selection' | 'onAction' | 'onToggleAll'>) {
  const count = selection.size;
  const allSelected = !!page && page.messages.length > 0 && page.messages.every((m) => selection.has(m.uid));
  const disabled = count === 0;
  return (
    <div
      className="flex flex-wrap items-center gap-1 border-b border-slate-200 bg-white px-3 py-2"
      role="toolbar"
      aria-label="Message actions"
    >
      <input
        type="checkbox"
        aria-label="Select all on this page"
        checked={allSelected}
        onChange={onToggleAll}
        className="mr-1 h-4 w-4"
      />
      <span className="mr-2 text-xs text-slate-500" aria-live="polite">
        {count ? `${count} selected` : ''}
      </span>
      <button type="button" className="btn btn-small" disabled={disabled} onClick={() => onAction('seen')}>
        Mark read
      </button>
      <button type="button" className="btn btn-small" disabled={disabled} onClick={() => onAction('unseen')}>
        Mark unread
      </button>
      <button type="button" className="btn btn-small" disabled={disabled} onClick={() => onAction('flag')}>
        Flag
      </button>
      <button
        type="button"
        className="btn btn-small hidden sm:inline-flex"
        disabled={disabled}
        onClick={() => onAction('unflag')}
      >
        Unflag
      </button>
      {folderUse === 'junk' ? (
        <button
          type="button"
          className="btn btn-small"
          disabled={disabled}
          onClick={() => onAction('notjunk')}
        >
          Not junk
        </button>
      ) : (
        <button type="button" className="btn btn-small" disabled={disabled} onClick={() => onAction('junk')}>
          Junk
        </button>
      )}
      <button type="button" className="btn btn-small" disabled={disabled} onClick={() => onAction('delete')}>
        {folderUse === 'trash' ? 'Delete for good' : 'Delete'}
      </button>
      <label className="sr-only" htmlFor="move-target">
        Move selected to
      </label>
      <select
        id="move-target"
        className="input !w-auto py-1 text-xs"
        disabled={disabled}
        value=""
        onChange={(event) => event.target.value && onAction('move', event.target.value)}
      >
        <option value="">Move to…</option>
        {folders
          .filter((f) => f.path !== page?.folder)
          .map((f) => (
            <option key={f.path} value={f.path}>
              {f.name}
            </option>
          ))}
      </select>
    </div>
  );
}

function Row({
  message,
  selected,
  open,
  cursor,
  onOpen,
  onToggle,
  showTo,
}: {
  message: MessageSummary;
  selected: boolean;
  open: boolean;
  cursor: boolean;
  onOpen(): void;
  onToggle(): void;
  showTo: boolean;
}) {
  const who = showTo
    ? `To: ${message.to.map((a) => a.name || a.address).join(', ') || '(no recipient)'}`
    : displayName(message.from[0]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click anywhere on the row is a mouse convenience; from the keyboard, j/k open the next/previous message (use-shortcuts) and the row's checkbox is an ordinary tab stop
    <li
      data-uid={message.uid}
      aria-current={open ? 'true' : undefined}
      className={`flex cursor-pointer items-start gap-2 border-b border-slate-100 px-3 py-2 text-sm ${open ? 'bg-brand-50' : 'bg-white hover:bg-slate-50'} ${cursor ? 'ring-2 ring-inset ring-brand-500' : ''}`}
      onClick={onOpen}
    >
      <input
        type="checkbox"
        className="mt-1 h-4 w-4"
        checked={selected}
        aria-label={`Select message from ${who}: ${message.subject}`}
        onClick={(e) => e.stopPropagation()}
        onChange={onToggle}
      />
      <span className="mt-0.5 w-4 text-amber-500">
        {message.flags.flagged ? <Icon name="flagged" filled label="Flagged" /> : null}
      </span>
      <div className="min-w-0 flex-1">
        <div className="flex items-baseline gap-2">
          <span
            className={`truncate ${message.flags.seen ? 'text-slate-700' : 'font-semibold text-slate-900'}`}
            data-testid="sender"
          >
            {who}
          </span>
          <span className="ml-auto shrink-0 text-xs text-slate-500">{formatListDate(message.date)}</span>
        </div>
        <div className="flex items-center gap-2">
          <span
            className={`truncate ${message.flags.seen ? 'text-slate-600' : 'font-semibold text-slate-900'}`}
            data-testid="subject"
          >
            {message.subject || '(no subject)'}
          </span>
          {!message.flags.seen && <span className="sr-only">Unread</span>}
          {message.flags.answered && (
            <span className="text-xs text-slate-400" title="Answered">
              ↩
            </span>
          )}
          {message.hasAttachment && (
            <span className="text-slate-500" title="Has attachments">
              <Icon name="paperclip" className="h-3.5 w-3.5" label="Has attachments" />
            </span>
          )}
          <span className="ml-auto shrink-0 text-xs text-slate-400">{formatSize(message.size)}</span>
        </div>
      </div>
    </li>
  );
}

export function MessageList(props: Props) {
  const { page, loading, selection, openUid, cursorUid, onOpen, onToggle, onPage, onSort, folderUse } = props;
  const first = page && page.total ? page.page * page.pageSize + 1 : 0;
  const last = page ? Math.min(page.total, (page.page + 1) * page.pageSize) : 0;
  return (
    <section aria-label="Messages" className="flex h-full min-h-0 flex-col">
      <Toolbar {...props} />
      <div className="flex items-center gap-2 border-b border-slate-200 bg-slate-50 px-3 py-1.5 text-xs text-slate-600">
        <label htmlFor="sort-key">Sort</label>
        <select
          id="sort-key"
          className="input !w-auto py-0.5 text-xs"
          value={page?.sort ?? 'date'}
          onChange={(e) => onSort(e.target.value as SortKey, e.target.value === 'date')}
        >
          <option value="date">Date</option>
          <option value="from">Sender</option>
          <option value="subject">Subject</option>
        </select>
        <button
          className="btn btn-small"
          type="button"
          onClick={() => page && onSort(page.sort, !page.reverse)}
          aria-label="Reverse sort order"
        >
          {page?.reverse ? '↓' : '↑'}
        </button>
        <span className="ml-auto" aria-live="polite">
          {loading
            ? 'Loading…'
            : page
              ? `${first.toLocaleString()}–${last.toLocaleString()} of ${page.total.toLocaleString()}`
              : ''}
        </span>
        <button
          className="btn btn-small"
          type="button"
          disabled={!page || page.page === 0}
          onClick={() => page && onPage(page.page - 1)}
          aria-label="Previous page"
        >
          ‹
        </button>
        <button
          className="btn btn-small"
          type="button"
          disabled={!page || last >= page.total}
          onClick={() => page && onPage(page.page + 1)}
          aria-label="Next page"
        >
          ›
        </button>
      </div>
      <ul className="min-h-0 flex-1 overflow-y-auto" aria-busy={loading}>
        {page?.messages.map((message) => (
          <Row
            key={message.uid}
            message={message}
            selected={selection.has(message.uid)}
            open={openUid === message.uid}
            cursor={cursorUid === message.uid}
            onOpen={() => onOpen(message)}
            onToggle={() => onToggle(message.uid)}
            showTo={folderUse === 'sent' || folderUse === 'drafts'}
          />
        ))}
        {page && page.messages.length === 0 && !loading && (
          <li className="p-8 text-center text-sm text-slate-500">No messages here.</li>
        )}
      </ul>
    </section>
  );
}
