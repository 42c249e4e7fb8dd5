'use client';
// The data behind the webmail page: folders, the current page of messages (list or search),
// and live updates from the server-sent event stream.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FolderView, MessagePage, SortKey } from '@/server/webmail/types';
import type { SearchInput } from '@/server/webmail/search';
import { api, query } from './api';

export interface ListState {
  folder: string;
  page: number;
  sort: SortKey;
  reverse: boolean;
  search: SearchInput | null;
}

export function useMailbox(initialFolder: string) {
  const [folders, setFolders] = useState<FolderView[]>([]);
  const [state, setState] = useState<ListState>({
    folder: initialFolder,
    page: 0,
    sort: 'date',
    reverse: true,
    search: null,
  });
  const [list, setList] = useState<MessagePage | null>(null);
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
      const params = {
        folder: current.folder,
        page: current.page,
        sort: current.sort,
        reverse: current.reverse ? 1 : 0,
        ...(current.search ?? {}),
      };
      const page = await api<MessagePage>(`/api/mail/messages?${query(params)}`);
      if (id === request.current) {
        setList(page);
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
    void loadList(state);
  }, [state, loadList]);

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
      if (stateRef.current.folder === event.folder && !stateRef.current.search)
        void loadList(stateRef.current, true);
    });
    return () => source.close();
  }, [loadFolders, loadList]);

  return {
    folders,
    state,
    setState,
    list,
    loading,
    error,
    setError,
    refresh,
    loadFolders,
    newMail,
    clearNewMail: () => setNewMail(0),
  };
}
