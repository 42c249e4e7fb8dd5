'use client';
// The data behind the webmail page: folders, the current page of messages (list, conversations,
// search in one folder or all), and live updates from the server-sent event stream.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FolderView, MessagePage, SortKey, ThreadPage } from '@/server/webmail/types';
import type { SearchInput } from '@/server/webmail/search';
import { api, query } from './api';

export interface ListState {
  folder: string;
  page: number;
  sort: SortKey;
  reverse: boolean;
  search: SearchInput | null;
  /** Search every folder, not just this one. */
  everywhere: boolean;
  view: ListView;
}

export type ListView = 'threads' | 'messages';

// The user's choice of conversations or messages, kept in this browser.
const VIEW_KEY = 'postroom.mail.view';

function rememberedView(): ListView {
  try {
    return window.localStorage.getItem(VIEW_KEY) === 'threads' ? 'threads' : 'messages';
  } catch {
    return 'messages';
  }
}

export function rememberView(view: ListView): void {
  try {
    window.localStorage.setItem(VIEW_KEY, view);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

export function useMailbox(initialFolder: string) {
  const [folders, setFolders] = useState<FolderView[]>([]);
  const [state, setState] = useState<ListState>({
    folder: initialFolder,
    page: 0,
    sort: 'date',
    reverse: true,
    search: null,
    everywhere: false,
    view: 'messages',
  });
  const [list, setList] = useState<MessagePage | null>(null);
  const [threads, setThreads] = useState<ThreadPage | null>(null);
  // After hydration: the server render cannot know what this browser remembered.
  const [viewLoaded, setViewLoaded] = useState(false);
  useEffect(() => {
    const view = rememberedView();
    setState((current) => (current.view === view ? current : { ...current, view }));
    setViewLoaded(true);
  }, []);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [newMail, setNewMail] = useState(0);
  const request = useRef(0);

  const loadFolders = useCallback(async () => {
    try {
      setFolders((await api<{ folders: FolderView[] }>('/api/mail/folders')).folders);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);

  const loadList = useCallback(async (current: ListState, quiet = false) => {
    const id = ++request.current;
    if (!quiet) setLoading(true);
    try {
      if (current.view === 'threads' && !current.search) {
        const page = await api<ThreadPage>(
          `/api/mail/threads?${query({ folder: current.folder, page: current.page })}`,
        );
        if (id === request.current) {
          setThreads(page);
          // The flat list of what is shown, for selection and j/k.
          setList({
            folder: page.folder,
            total: page.total,
            page: page.page,
            pageSize: page.pageSize,
            sort: 'date',
            reverse: true,
            messages: page.threads.flatMap((thread) => [...thread.messages].reverse()),
          });
          setError('');
        }
        return;
      }
      const everywhere = !!current.search && current.everywhere;
      const params = {
        folder: everywhere ? undefined : current.folder,
        all: everywhere ? 1 : undefined,
        page: current.page,
        sort: current.sort,
        reverse: current.reverse ? 1 : 0,
        ...(current.search ?? {}),
      };
      const page = await api<MessagePage>(`/api/mail/messages?${query(params)}`);
      if (id === request.current) {
        setList(page);
        setThreads(null);
        setError('');
      }
    } catch (failure) {
      if (id === request.current) setError((failure as Error).message);
    } finally {
      if (id === request.current) setLoading(false);
    }
  }, []);

  const refresh = useCallback(
    async (quiet = true) => {
      await Promise.all([loadFolders(), loadList(state, quiet)]);
    },
    [loadFolders, loadList, state],
  );

  useEffect(() => {
    void loadFolders();
  }, [loadFolders]);

  useEffect(() => {
    if (viewLoaded) void loadList(state);
  }, [state, loadList, viewLoaded]);

  // New mail: the server's IDLE watcher pushes events; refresh counts and, if shown, the list.
  const stateRef = useRef(state);
  stateRef.current = state;
  useEffect(() => {
    const source = new EventSource('/api/mail/events');
    source.addEventListener('mail', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as { type: string; folder: string };
      if (event.type === 'hello') return;
      if (event.type === 'exists') setNewMail((count) => count + 1);
      void loadFolders();
      // 'ready': the watcher has just come (back) into INBOX; what arrived before it is shown now.
      const shown = stateRef.current.folder === event.folder || event.type === 'ready';
      if (shown && !stateRef.current.search) void loadList(stateRef.current, true);
    });
    return () => source.close();
  }, [loadFolders, loadList]);

  return {
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
    clearNewMail: () => setNewMail(0),
  };
}
