// Folders of a mailbox. Every new mailbox gets the default set with RFC 6154 special-use flags.
import type { Tx } from '../core/db';

export const DEFAULT_FOLDERS: { name: string; specialUse: string | null }[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

let lastValidity = 0;

/** A new UIDVALIDITY: seconds since the epoch, never repeated within this process. */
export function newUidValidity(): number {
  lastValidity = Math.max(lastValidity + 1, Math.floor(Date.now() / 1000) % 0x7fffffff);
  return lastValidity;
}

export async function createDefaultFolders(tx: Tx, userId: number): Promise<void> {
  await tx.folder.createMany({
    data: DEFAULT_FOLDERS.map((folder) => ({
      userId,
      name: folder.name,
      specialUse: folder.specialUse,
      uidValidity: newUidValidity(),
    })),
  });
}
