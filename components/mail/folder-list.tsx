'use client';
// The folder column: special-use icons, unread counts, and create / rename / delete for the
// user's own folders (system folders are fixed).
import { useState } from 'react';
import type { FolderView } from '@/server/webmail/types';
import { ApiError, postJson, api } from './api';
import { Icon, folderIconName } from './icons';

interface Props {
  folders: FolderView[];
  current: string;
  onSelect(path: string): void;
  onChanged(selectPath?: string): void;
}

function FolderMenu({ folder, onChanged }: { folder: FolderView; onChanged: Props['onChanged'] }) {
  const [mode, setMode] = useState<'idle' | 'rename' | 'delete'>('idle');
  const [name, setName] = useState(folder.name);
  const [error, setError] = useState('');
  const rename = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      const result = await postJson<{ path: string }>(
        '/api/mail/folders',
        { path: folder.path, name },
        'PATCH',
      );
      setMode('idle');
      onChanged(result.path);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'Could not rename.');
    }
  };
  const remove = async () => {
    try {
      await api(`/api/mail/folders?path=${encodeURIComponent(folder.path)}`, { method: 'DELETE' });
      onChanged('INBOX');
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'Could not delete.');
    }
  };
  if (mode === 'rename') {
    return (
      <form onSubmit={rename} className="px-2 pb-2">
        <label className="sr-only" htmlFor={`rename-${folder.path}`}>
          New name for {folder.name}
        </label>
        <input
          id={`rename-${folder.path}`}
          className="input"
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoFocus
          aria-invalid={!!error}
        />
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="mt-1 flex gap-1">
          <button className="btn btn-primary btn-small" type="submit">
            Rename
          </button>
          <button className="btn btn-small" type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </div>
      </form>
    );
  }
  if (mode === 'delete') {
    return (
      <div className="px-2 pb-2 text-xs" role="alertdialog" aria-label={`Delete ${folder.name}`}>
        <p>Delete “{folder.name}” and the messages in it?</p>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="mt-1 flex gap-1">
          <button className="btn btn-danger btn-small" type="button" onClick={remove}>
            Delete folder
          </button>
          <button className="btn btn-small" type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="flex gap-1 px-2 pb-1 opacity-0 transition group-focus-within:opacity-100 group-hover:opacity-100">
      <button
        className="text-xs text-slate-500 hover:text-slate-900"
        type="button"
        onClick={() => setMode('rename')}
        aria-label={`Rename ${folder.name}`}
      >
        Rename
      </button>
      <button
        className="text-xs text-slate-500 hover:text-red-700"
        type="button"
        onClick={() => setMode('delete')}
        aria-label={`Delete ${folder.name}`}
      >
        Delete
      </button>
    </div>
  );
}

export function FolderList({ folders, current, onSelect, onChanged }: Props) {
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const create = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      const result = await postJson<{ path: string }>('/api/mail/folders', { name });
      setCreating(false);
      setName('');
      setError('');
      onChanged(result.path);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'Could not create the folder.');
    }
  };
  return (
    <nav aria-label="Folders" className="flex h-full flex-col">
      <ul className="flex-1 space-y-0.5 overflow-y-auto p-2">
        {folders.map((folder) => {
          const active = folder.path === current;
          const depth = folder.parentPath ? folder.parentPath.split(folder.delimiter || '/').length : 0;
          return (
            <li key={folder.path} className="group">
              <button
                type="button"
                onClick={() => onSelect(folder.path)}
                aria-current={active ? 'page' : undefined}
                data-folder={folder.path}
                className={`flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm ${active ? 'bg-brand-100 font-semibold text-brand-700' : 'text-slate-700 hover:bg-slate-100'}`}
                style={{ paddingLeft: `${0.5 + depth * 0.9}rem` }}
              >
                <Icon name={folderIconName(folder.specialUse)} />
                <span className="flex-1 truncate">{folder.name}</span>
                {folder.unread > 0 && (
                  <span
                    className="rounded-full bg-brand-600 px-1.5 text-xs font-semibold text-white"
                    role="img"
                    aria-label={`${folder.unread} unread`}
                  >
                    {folder.unread}
                  </span>
                )}
              </button>
              {!folder.specialUse && <FolderMenu folder={folder} onChanged={onChanged} />}
            </li>
          );
        })}
      </ul>
      <div className="border-t border-slate-200 p-2">
        <a
          className="mb-2 block text-xs text-slate-500 hover:text-slate-900"
          href={`/api/mail/export?folder=${encodeURIComponent(current)}`}
          download
        >
          Download this folder as mbox
        </a>
        {creating ? (
          <form onSubmit={create}>
            <label className="label" htmlFor="new-folder">
              Folder name
            </label>
            <input
              id="new-folder"
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoFocus
              aria-invalid={!!error}
            />
            {error && (
              <p className="field-error" role="alert">
                {error}
              </p>
            )}
            <div className="mt-2 flex gap-1">
              <button className="btn btn-primary btn-small" type="submit">
                Create
              </button>
              <button
                className="btn btn-small"
                type="button"
                onClick={() => {
                  setCreating(false);
                  setError('');
                }}
              >
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <button
            className="btn btn-small w-full justify-center"
            type="button"
            onClick={() => setCreating(true)}
          >
            New folder
          </button>
        )}
      </div>
    </nav>
  );
}
