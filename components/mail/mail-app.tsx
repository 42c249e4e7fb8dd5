'use client';
// The webmail page: folders | message list | reader or compose, collapsing to one pane on a
// phone. All data comes from /api/mail, which acts only on the signed-in user's own mailbox.
import { useEffect, useRef, useState } from 'react';
import type { MessageSummary, MessageView, MovedMessages } from '@/server/webmail/types';
import { SignOutButton } from '@/components/ui/sign-out-button';
import { api, postJson, query } from './api';
import { FolderList } from './folder-list';
import { MessageList, type BulkAction } from './message-list';
import { Reader, type ReplyMode } from './reader';
import { Compose } from './compose';
import { EMPTY_DRAFT, draftFromMessage, draftFiles, prefillFor, type ComposeDraft } from './prefill';
import { SearchBar } from './search-bar';
import { rememberView, useMailbox } from './use-mailbox';
import { useShortcuts } from './use-shortcuts';
import { Icon } from './icons';

type Pane = 'list' | 'reader' | 'compose';

export function MailApp({
  address,
  displayName,
  isAdmin = false,
}: {
  address: string;
  displayName: string;
  /** Admins get a link to the console (the console links back here). */
  isAdmin?: boolean;
}) {
  const {
    folders,
    state,
    setState,
    list,
    threads,
    loading,
    error,
    setError,
    refresh,
    loadFolders,
    newMail,
    clearNewMail,
  } = useMailbox('INBOX');
  const [selection, setSelection] = useState<Set<number>>(new Set());
  const [message, setMessage] = useState<MessageView | null>(null);
  const [imagesAllowed, setImagesAllowed] = useState(false);
  const [compose, setCompose] = useState<ComposeDraft | null>(null);
  const [composeKey, setComposeKey] = useState(0);
  const [pane, setPane] = useState<Pane>('list');
  const [drawer, setDrawer] = useState(false);
  const [notice, setNotice] = useState('');
  // After a move or delete: where the messages went, for the Undo button.
  const [undo, setUndo] = useState<MovedMessages | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const openRequest = useRef(0);
  const current = folders.find((folder) => folder.path === state.folder);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the selection is cleared whenever the folder, page or search changes; the effect does not read them, they are its triggers
  useEffect(() => {
    setSelection(new Set());
  }, [state.folder, state.page, state.search]);

  useEffect(() => {
    if (!notice) return;
    // Long enough to reach Undo.
    const timer = setTimeout(
      () => {
        setNotice('');
        setUndo(null);
      },
      undo ? 8000 : 4000,
    );
    return () => clearTimeout(timer);
  }, [notice, undo]);

  const undoMove = async (moved: MovedMessages) => {
    setUndo(null);
    try {
      await postJson('/api/mail/actions', {
        folder: moved.to,
        uids: moved.uids,
        action: 'move',
        target: moved.from,
      });
      setNotice(
        `${moved.uids.length} message${moved.uids.length > 1 ? 's' : ''} back in ${folders.find((f) => f.path === moved.from)?.name ?? moved.from}`,
      );
      await refresh(true);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const openMessage = async (summary: MessageSummary, allowImages = false) => {
    setCursor(summary.uid);
    // Compose started (or another message asked for) while this one loads: it must not take over.
    const request = ++openRequest.current;
    // Results of a search in all folders name their own folder.
    const folder = summary.folder ?? state.folder;
    if (folders.find((f) => f.path === folder)?.specialUse === 'drafts') {
      try {
        const draft = await api<MessageView>(
          `/api/mail/message?${query({ folder, uid: summary.uid, peek: 1 })}`,
        );
        const files = await draftFiles(draft);
        if (request === openRequest.current) startCompose(draftFromMessage(draft, files));
      } catch (failure) {
        setError((failure as Error).message);
      }
      return;
    }
    try {
      const view = await api<MessageView>(
        `/api/mail/message?${query({ folder, uid: summary.uid, images: allowImages ? 1 : undefined })}`,
      );
      if (request !== openRequest.current) return;
      setMessage(view);
      setImagesAllowed(allowImages);
      setCompose(null);
      setPane('reader');
      if (!summary.flags.seen) void refresh(true);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const startCompose = (draft: ComposeDraft) => {
    openRequest.current += 1;
    setCompose(draft);
    setComposeKey((key) => key + 1);
    setPane('compose');
  };

  const act = async (action: BulkAction, uids: number[], target?: string, folder = state.folder) => {
    if (uids.length === 0) return;
    try {
      const answer = await postJson<{ moved?: MovedMessages }>('/api/mail/actions', {
        folder,
        uids,
        action,
        target,
      });
      setUndo(answer.moved && answer.moved.uids.length > 0 ? answer.moved : null);
      const moved = action === 'delete' || action === 'move' || action === 'junk' || action === 'notjunk';
      if (moved && message && uids.includes(message.uid)) {
        setMessage(null);
        setPane('list');
      }
      if (
        message &&
        uids.includes(message.uid) &&
        (action === 'flag' || action === 'unflag' || action === 'seen' || action === 'unseen')
      ) {
        setMessage({
          ...message,
          flags: {
            ...message.flags,
            flagged: action === 'flag' ? true : action === 'unflag' ? false : message.flags.flagged,
            seen: action === 'seen' ? true : action === 'unseen' ? false : message.flags.seen,
          },
        });
      }
      setSelection(new Set());
      setNotice(
        moved
          ? `${uids.length} message${uids.length > 1 ? 's' : ''} ${action === 'delete' ? (answer.moved ? 'moved to Trash' : 'deleted') : action === 'move' ? 'moved' : action === 'junk' ? 'marked as junk' : 'moved to Inbox'}`
          : 'Done',
      );
      await refresh(true);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const reply = (mode: ReplyMode) => message && startCompose(prefillFor(message, mode, address));

  const step = (delta: number) => {
    const messages = list?.messages ?? [];
    if (messages.length === 0) return;
    const index = messages.findIndex((m) => m.uid === (cursor ?? message?.uid));
    const next = messages[Math.min(messages.length - 1, Math.max(0, index < 0 ? 0 : index + delta))];
    if (next) void openMessage(next);
  };

  useShortcuts((shortcut) => {
    if (shortcut === 'next') step(1);
    else if (shortcut === 'previous') step(-1);
    else if (shortcut === 'reply') reply('reply');
    else if (shortcut === 'replyAll') reply('replyAll');
    else if (shortcut === 'forward') reply('forward');
    else if (shortcut === 'compose') startCompose(EMPTY_DRAFT);
    else if (shortcut === 'delete')
      void (selection.size
        ? act('delete', [...selection])
        : message && act('delete', [message.uid], undefined, message.folder));
    else if (shortcut === 'search') searchBox.current?.focus();
    else if (shortcut === 'escape') {
      if (pane !== 'list') setPane('list');
      (document.activeElement as HTMLElement | null)?.blur();
    }
  });

  const selectFolder = (path: string) => {
    setState({ ...state, folder: path, page: 0, search: null, everywhere: false });
    setMessage(null);
    setPane('list');
    setDrawer(false);
    if (path === 'INBOX') clearNewMail();
  };

  const detail =
    pane === 'compose' && compose ? (
      <Compose
        key={composeKey}
        initial={compose}
        from={displayName ? `${displayName} <${address}>` : address}
        onClose={() => {
          setCompose(null);
          setPane(message ? 'reader' : 'list');
          void refresh(true);
        }}
        onSent={() => {
          setCompose(null);
          setPane(message ? 'reader' : 'list');
          setUndo(null);
          setNotice('Message sent');
          void refresh(true);
        }}
      />
    ) : message ? (
      <Reader
        message={message}
        imagesAllowed={imagesAllowed}
        onReply={reply}
        onBack={() => setPane('list')}
        onDelete={() => act('delete', [message.uid], undefined, message.folder)}
        onJunk={() => act('junk', [message.uid], undefined, message.folder)}
        onToggleFlag={() =>
          act(message.flags.flagged ? 'unflag' : 'flag', [message.uid], undefined, message.folder)
        }
        onMarkUnread={() => act('unseen', [message.uid], undefined, message.folder)}
        onShowImages={() =>
          void openMessage(
            { uid: message.uid, flags: message.flags, folder: message.folder } as MessageSummary,
            true,
          )
        }
      />
    ) : (
      <div className="hidden h-full items-center justify-center text-sm text-slate-400 md:flex">
        Select a message to read it.
      </div>
    );

  return (
    <div className="flex h-dvh flex-col">
      {/* On a phone the search takes a row of its own under the buttons. */}
      <header className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-white px-3 py-2 md:flex-nowrap">
        <button
          type="button"
          className="btn btn-small md:hidden"
          onClick={() => setDrawer(!drawer)}
          aria-label="Folders"
          aria-expanded={drawer}
        >
          <Icon name="menu" />
        </button>
        <h1 className="hidden text-base font-semibold text-brand-700 sm:block">Postroom Mail</h1>
        <div className="order-last basis-full md:order-none md:mx-2 md:flex-1 md:basis-auto">
          <SearchBar
            ref={searchBox}
            active={!!state.search}
            onSearch={(search, everywhere) => setState({ ...state, page: 0, search, everywhere })}
            onClear={() => setState({ ...state, page: 0, search: null, everywhere: false })}
          />
        </div>
        <button
          type="button"
          className="btn btn-primary btn-small ml-auto md:ml-0"
          onClick={() => startCompose(EMPTY_DRAFT)}
          aria-label="Compose"
        >
          <Icon name="pencil" /> <span className="hidden sm:inline">Compose</span>
        </button>
        <span className="hidden text-xs text-slate-500 lg:inline" data-testid="signed-in-as">
          {address}
        </span>
        <nav aria-label="Account" className="flex items-center gap-2 text-xs">
          {isAdmin && (
            <a href="/admin" className="btn btn-small">
              Console
            </a>
          )}
          <a href="/mail/filters" data-testid="filters-link">
            Filters
          </a>
          <a href="/account">My account</a>
        </nav>
        <SignOutButton />
      </header>
      {(error || notice || newMail > 0) && (
        <div className="flex gap-2 px-3 py-1 text-sm">
          {error && (
            <p role="alert" className="text-red-700">
              {error}{' '}
              <button type="button" className="underline" onClick={() => setError('')}>
                Dismiss
              </button>
            </p>
          )}
          {notice && (
            <p role="status" className="flex items-center gap-2 text-emerald-700">
              {notice}
              {undo && (
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => void undoMove(undo)}
                  data-testid="undo"
                >
                  Undo
                </button>
              )}
            </p>
          )}
          {newMail > 0 && state.folder !== 'INBOX' && (
            <button
              type="button"
              className="text-brand-700 underline"
              onClick={() => selectFolder('INBOX')}
              data-testid="new-mail"
            >
              New mail in Inbox
            </button>
          )}
        </div>
      )}
      <div className="relative grid min-h-0 flex-1 md:grid-cols-[13rem_22rem_1fr] xl:grid-cols-[15rem_30rem_1fr]">
        <aside
          className={`${drawer ? 'absolute inset-y-0 left-0 z-30 w-64 shadow-xl' : 'hidden'} border-r border-slate-200 bg-white md:static md:block md:w-auto md:shadow-none`}
        >
          <FolderList
            folders={folders}
            current={state.folder}
            onSelect={selectFolder}
            onChanged={(path) => {
              void loadFolders();
              if (path) selectFolder(path);
            }}
          />
        </aside>
        <div
          className={`${pane === 'list' ? 'flex' : 'hidden'} min-h-0 flex-col border-r border-slate-200 md:flex`}
        >
          <h2
            className="border-b border-slate-200 bg-white px-3 pt-2 text-sm font-semibold"
            data-testid="folder-title"
          >
            {state.search
              ? `Search results in ${state.everywhere ? 'all folders' : (current?.name ?? state.folder)}`
              : (current?.name ?? state.folder)}
          </h2>
          <MessageList
            page={list}
            threads={threads}
            view={state.view}
            onView={(view) => {
              rememberView(view);
              setState({ ...state, view, page: 0 });
            }}
            loading={loading}
            folders={folders}
            folderUse={current?.specialUse ?? null}
            selection={selection}
            openUid={message?.uid ?? null}
            cursorUid={cursor}
            onOpen={(summary) => void openMessage(summary)}
            onToggle={(uid) => {
              const next = new Set(selection);
              if (next.has(uid)) next.delete(uid);
              else next.add(uid);
              setSelection(next);
            }}
            onToggleMany={(uids, selected) => {
              const next = new Set(selection);
              for (const uid of uids) {
                if (selected) next.add(uid);
                else next.delete(uid);
              }
              setSelection(next);
            }}
            onToggleAll={() => {
              const all = list?.messages.map((m) => m.uid) ?? [];
              setSelection(all.every((uid) => selection.has(uid)) ? new Set() : new Set(all));
            }}
            onAction={(action, target) => void act(action, [...selection], target)}
            onPage={(page) => setState({ ...state, page })}
            onSort={(sort, reverse) => setState({ ...state, sort, reverse, page: 0 })}
          />
        </div>
        <main className={`${pane === 'list' ? 'hidden' : 'flex'} min-h-0 flex-col md:flex`}>{detail}</main>
      </div>
    </div>
  );
}
