// Folders over IMAP LIST (with LIST-STATUS where the server has it, RFC 5819) and the RFC 6154
// special-use flags; CREATE, RENAME and DELETE for the user's own folders.
import type { ListResponse } from 'imapflow';
import { FieldError } from '../domain/errors';
import { withImap, type WebmailUser } from './connection';
import type { FolderView, SpecialUse } from './types';

const SPECIAL_USE_ORDER: SpecialUse[] = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

export function specialUseOf(entry: Pick<ListResponse, 'path' | 'specialUse'>): SpecialUse {
  if (entry.path.toUpperCase() === 'INBOX') return 'inbox';
  const flag = (entry.specialUse ?? '').replace(/^\\/, '').toLowerCase();
  return (
    (['sent', 'drafts', 'trash', 'junk', 'archive', 'all', 'flagged'] as const).find((use) => use === flag) ??
    null
  );
}

function byFolderOrder(a: FolderView, b: FolderView): number {
  const rank = (folder: FolderView) =>
    folder.specialUse && SPECIAL_USE_ORDER.includes(folder.specialUse)
      ? SPECIAL_USE_ORDER.indexOf(folder.specialUse)
      : 100;
  return rank(a) - rank(b) || a.path.localeCompare(b.path);
}

export async function listFolders(user: WebmailUser): Promise<FolderView[]> {
  return withImap(user, async (client) => {
    const entries = await client.list({ statusQuery: { messages: true, unseen: true } });
    return entries
      .filter((entry) => !entry.flags.has('\\Noselect') && !entry.flags.has('\\NonExistent'))
      .map((entry) => ({
        path: entry.path,
        name: entry.path.toUpperCase() === 'INBOX' ? 'Inbox' : entry.name,
        delimiter: entry.delimiter,
        parentPath: entry.parentPath,
        specialUse: specialUseOf(entry),
        total: entry.status?.messages ?? 0,
        unread: entry.status?.unseen ?? 0,
      }))
      .sort(byFolderOrder);
  });
}

/** The path of the folder with this special use (Sent, Drafts, Trash, Junk), if the user has one. */
export async function folderFor(user: WebmailUser, use: Exclude<SpecialUse, null>): Promise<string | null> {
  const folders = await listFoldersCached(user);
  return folders.find((folder) => folder.specialUse === use)?.path ?? null;
}

// Special-use paths rarely change; asking LIST before every send or delete would double the work.
const specialCache = new Map<number, { at: number; folders: FolderView[] }>();
async function listFoldersCached(user: WebmailUser): Promise<FolderView[]> {
  const cached = specialCache.get(user.id);
  if (cached && Date.now() - cached.at < 60_000) return cached.folders;
  const folders = await listFolders(user);
  specialCache.set(user.id, { at: Date.now(), folders });
  return folders;
}

/** A folder name a user may type: no wildcards or control characters, not too long. */
export function validateFolderName(input: string, field = 'name'): string {
  const name = input.trim();
  if (!name) throw new FieldError(field, 'Enter a folder name.');
  if (name.length > 200) throw new FieldError(field, 'A folder name may have at most 200 characters.');
  // RFC 3501 section 5.1: % and * are LIST wildcards; control characters are never allowed.
  if (/[%*\u0000-\u001f\u007f]/.test(name))
    throw new FieldError(field, 'A folder name may not contain %, * or control characters.');
  if (name.toUpperCase() === 'INBOX') throw new FieldError(field, 'INBOX already exists.');
  return name;
}

async function requireOwnFolder(user: WebmailUser, path: string): Promise<FolderView> {
  const folders = await listFolders(user);
  const folder = folders.find((candidate) => candidate.path === path);
  if (!folder) throw new FieldError('folder', 'No such folder.');
  return folder;
}

export async function createFolder(user: WebmailUser, input: string, parentPath?: string): Promise<string> {
  const name = validateFolderName(input);
  return withImap(user, async (client) => {
    const path = parentPath ? [parentPath, name] : name;
    const existing = await client.list();
    const wanted = Array.isArray(path) ? path.join(existing[0]?.delimiter ?? '/') : path;
    if (existing.some((entry) => entry.path.toLowerCase() === wanted.toLowerCase()))
      throw new FieldError('name', 'A folder with this name already exists.');
    const created = await client.mailboxCreate(path);
    specialCache.delete(user.id);
    return created.path;
  });
}

export async function renameFolder(user: WebmailUser, path: string, input: string): Promise<string> {
  const folder = await requireOwnFolder(user, path);
  if (folder.specialUse) throw new FieldError('folder', 'System folders cannot be renamed.');
  const name = validateFolderName(input);
  const newPath = folder.parentPath ? `${folder.parentPath}${folder.delimiter}${name}` : name;
  return withImap(user, async (client) => {
    const renamed = await client.mailboxRename(path, newPath);
    specialCache.delete(user.id);
    return renamed.newPath;
  });
}

export async function deleteFolder(user: WebmailUser, path: string): Promise<void> {
  const folder = await requireOwnFolder(user, path);
  if (folder.specialUse) throw new FieldError('folder', 'System folders cannot be deleted.');
  await withImap(user, async (client) => {
    await client.mailboxDelete(path);
  });
  specialCache.delete(user.id);
}
