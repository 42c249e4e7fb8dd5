'use client';
// The message list: one page at a time, sortable, with a selection and bulk actions; or one row
// per conversation that opens out into its messages; or search results from every folder, each
// naming its folder.
import { useState } from 'react';
import type {
  FolderView,
  MessagePage,
  MessageSummary,
  SortKey,
  ThreadView,
  ThreadPage,
} from '@/server/webmail/types';
import type { ListView } from './use-mailbox';
import { displayName, formatListDate, formatSize } from './format';
import { Icon } from './icons';

export type BulkAction = 'seen' | 'unseen' | 'flag' | 'unflag' | 'delete' | 'junk' | 'notjunk' | 'move';

interface Props {
  page: MessagePage | null;
  /** Set in the conversation view. */
  threads: ThreadPage | null;
  view: ListView;
  onView(view: ListView): void;
  loading: boolean;
  folders: FolderView[];
  folderUse: FolderView['specialUse'];
  selection: Set<number>;
  openUid: number | null;
  cursorUid: number | null;
  onOpen(message: MessageSummary): void;
  onToggle(uid: number): void;
  onToggleMany(uids: number[], selected: boolean): void;
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
  // Results from several folders are acted on one at a time, from the reader.
  const disabled = count === 0 || !!page?.allFolders;
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
  folderName,
  nested = false,
}: {
  message: MessageSummary;
  selected: boolean;
  open: boolean;
  cursor: boolean;
  onOpen(): void;
  onToggle(): void;
  showTo: boolean;
  /** Shown on results of a search across all folders. */
  folderName?: string;
  nested?: boolean;
}) {
  const who = showTo
    ? `To: ${message.to.map((a) => a.name || a.address).join(', ') || '(no recipient)'}`
    : displayName(message.from[0]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click anywhere on the row is a mouse convenience; from the keyboard, j/k open the next/previous message (use-shortcuts) and the row's checkbox is an ordinary tab stop
    <li
      data-uid={message.uid}
      aria-current={open ? 'true' : undefined}
      data-folder={folderName ? message.folder : undefined}
      className={`flex cursor-pointer items-start gap-2 border-b border-slate-100 px-3 py-2 text-sm ${nested ? 'pl-8' : ''} ${open ? 'bg-brand-50' : 'bg-white hover:bg-slate-50'} ${cursor ? 'ring-2 ring-inset ring-brand-500' : ''}`}
      onClick={onOpen}
    >
      {folderName === undefined ? (
        <input
          type="checkbox"
          className="mt-1 h-4 w-4"
          checked={selected}
          aria-label={`Select message from ${who}: ${message.subject}`}
          onClick={(e) => e.stopPropagation()}
          onChange={onToggle}
        />
      ) : (
        <span className="w-4" />
      )}
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
          {folderName !== undefined && (
            <span
              className="shrink-0 rounded bg-slate-100 px-1.5 text-xs text-slate-600"
              data-testid="result-folder"
            >
              {folderName}
            </span>
          )}
          <span className="ml-auto shrink-0 text-xs text-slate-400">{formatSize(message.size)}</span>
        </div>
      </div>
    </li>
  );
}

/** Everyone in a conversation, by first name or address, in order of appearance. */
function participants(thread: ThreadView, showTo: boolean): string {
  const names: string[] = [];
  for (const message of thread.messages)
    for (const person of showTo ? message.to : message.from) {
      const name = (person.name || person.address || '').split(/\s+/)[0];
      if (name && !names.includes(name)) names.push(name);
    }
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', ');
}

function ThreadRow({
  thread,
  expanded,
  onExpand,
  rowProps,
  selection,
  onToggleMany,
  showTo,
}: {
  thread: ThreadView;
  expanded: boolean;
  onExpand(): void;
  rowProps(message: MessageSummary): Parameters<typeof Row>[0];
  selection: Set<number>;
  onToggleMany(uids: number[], selected: boolean): void;
  showTo: boolean;
}) {
  const latest = thread.messages[thread.messages.length - 1];
  const uids = thread.messages.map((message) => message.uid);
  const unread = thread.messages.some((message) => !message.flags.seen);
  const who = participants(thread, showTo) || '(unknown sender)';
  const count = thread.messages.length;
  return (
    <li data-thread={latest.uid} className="border-b border-slate-100">
      <div className={`flex items-start gap-2 px-3 py-2 text-sm ${expanded ? 'bg-slate-50' : 'bg-white'}`}>
        <input
          type="checkbox"
          className="mt-1 h-4 w-4"
          checked={uids.every((uid) => selection.has(uid))}
          aria-label={`Select conversation: ${latest.subject}`}
          onChange={(event) => onToggleMany(uids, event.target.checked)}
        />
        <button
          type="button"
          className="min-w-0 flex-1 text-left"
          aria-expanded={expanded}
          aria-label={`Conversation: ${latest.subject || '(no subject)'}, ${count} message${count > 1 ? 's' : ''}`}
          onClick={onExpand}
        >
          <span className="flex items-baseline gap-2">
            <span className={`truncate ${unread ? 'font-semibold text-slate-900' : 'text-slate-700'}`}>
              {who}
            </span>
            {count > 1 && (
              <span
                className="shrink-0 rounded-full bg-slate-200 px-1.5 text-xs text-slate-700"
                data-testid="thread-count"
              >
                {count}
              </span>
            )}
            <span className="ml-auto shrink-0 text-xs text-slate-500">{formatListDate(latest.date)}</span>
          </span>
          <span
            className={`block truncate ${unread ? 'font-semibold text-slate-900' : 'text-slate-600'}`}
            data-testid="thread-subject"
          >
            {latest.subject || '(no subject)'}
          </span>
        </button>
      </div>
      {expanded && (
        <ul aria-label={`Messages in ${latest.subject || 'this conversation'}`}>
          {thread.messages.map((message) => (
            <Row key={message.uid} {...rowProps(message)} nested />
          ))}
        </ul>
      )}
    </li>
  );
}

export function MessageList(props: Props) {
  const {
    page,
    threads,
    view,
    onView,
    loading,
    selection,
    openUid,
    cursorUid,
    onOpen,
    onToggle,
    onToggleMany,
    onPage,
    onSort,
    folderUse,
    folders,
  } = props;
  // The conversation opened out, by its newest UID.
  const [expanded, setExpanded] = useState<number | null>(null);
  const first = page && page.total ? page.page * page.pageSize + 1 : 0;
  const last = page ? Math.min(page.total, (page.page + 1) * page.pageSize) : 0;
  const showTo = folderUse === 'sent' || folderUse === 'drafts';
  const folderName = (path: string | undefined) =>
    folders.find((folder) => folder.path === path)?.name ?? path ?? '';
  const rowProps = (message: MessageSummary): Parameters<typeof Row>[0] => ({
    message,
    selected: selection.has(message.uid),
    open: openUid === message.uid,
    cursor: cursorUid === message.uid,
    onOpen: () => onOpen(message),
    onToggle: () => onToggle(message.uid),
    showTo,
    folderName: page?.allFolders ? folderName(message.folder) : undefined,
  });
  const threaded = view === 'threads' && threads !== null;
  return (
    <section aria-label="Messages" className="flex h-full min-h-0 flex-col">
      <Toolbar {...props} />
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-slate-50 px-3 py-1.5 text-xs text-slate-600">
        <fieldset className="flex overflow-hidden rounded-md border border-slate-300" aria-label="Show">
          {(['threads', 'messages'] as const).map((option) => (
            <button
              key={option}
              type="button"
              className={`px-2 py-0.5 ${view === option ? 'bg-brand-600 text-white' : 'bg-white text-slate-700'}`}
              aria-pressed={view === option}
              onClick={() => onView(option)}
            >
              {option === 'threads' ? 'Conversations' : 'Messages'}
            </button>
          ))}
        </fieldset>
        {!threaded && (
          <>
            <label htmlFor="sort-key" className="sr-only sm:not-sr-only">
              Sort
            </label>
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
          </>
        )}
        <span className="ml-auto whitespace-nowrap" aria-live="polite">
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
        {threaded
          ? threads.threads.map((thread) => {
              const key = thread.messages[thread.messages.length - 1].uid;
              return (
                <ThreadRow
                  key={key}
                  thread={thread}
                  expanded={expanded === key}
                  onExpand={() => {
                    if (expanded === key) setExpanded(null);
                    else {
                      setExpanded(key);
                      // Opening a conversation shows its newest message.
                      onOpen(thread.messages[thread.messages.length - 1]);
                    }
                  }}
                  rowProps={rowProps}
                  selection={selection}
                  onToggleMany={onToggleMany}
                  showTo={showTo}
                />
              );
            })
          : page?.messages.map((message) => (
              <Row key={`${message.folder ?? ''}/${message.uid}`} {...rowProps(message)} />
            ))}
        {page && page.messages.length === 0 && !loading && (
          <li className="p-8 text-center text-sm text-slate-500">No messages here.</li>
        )}
      </ul>
    </section>
  );
}
