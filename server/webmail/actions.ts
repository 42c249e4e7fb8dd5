// Acting on selected messages: flags (STORE), move (MOVE, RFC 6851), delete (to Trash, or for
// good with EXPUNGE when already in Trash) and junk (to Junk with the $Junk keyword).
import { FieldError } from '../domain/errors';
import { withMailbox, type WebmailUser } from './connection';
import { folderFor } from './folders';
import type { MovedMessages } from './types';

export type FlagName = 'seen' | 'flagged';
const IMAP_FLAG: Record<FlagName, string> = { seen: '\\Seen', flagged: '\\Flagged' };

export const MAX_SELECTION = 1000;

/** A UID set for IMAP from the selected UIDs; refuses anything that is not a positive integer. */
export function uidSet(uids: unknown): string {
  if (!Array.isArray(uids) || uids.length === 0) throw new FieldError('uids', 'Select at least one message.');
  if (uids.length > MAX_SELECTION)
    throw new FieldError('uids', `Select at most ${MAX_SELECTION} messages at a time.`);
  for (const uid of uids)
    if (!Number.isInteger(uid) || (uid as number) <= 0 || (uid as number) > 0xffffffff)
      throw new FieldError('uids', 'Invalid message id.');
  return (uids as number[]).join(',');
}

export async function setFlag(
  user: WebmailUser,
  folder: string,
  uids: number[],
  flag: FlagName,
  value: boolean,
): Promise<void> {
  const set = uidSet(uids);
  if (!(flag in IMAP_FLAG)) throw new FieldError('flag', 'Unknown flag.');
  await withMailbox(user, folder, async (client) => {
    if (value) await client.messageFlagsAdd(set, [IMAP_FLAG[flag]], { uid: true });
    else await client.messageFlagsRemove(set, [IMAP_FLAG[flag]], { uid: true });
  });
}

/** Moves; the answer names the new UIDs (from COPYUID, RFC 4315) so the page can undo it. */
export async function moveMessages(
  user: WebmailUser,
  folder: string,
  uids: number[],
  target: string,
): Promise<MovedMessages> {
  const set = uidSet(uids);
  if (!target || target === folder) throw new FieldError('target', 'Choose another folder.');
  return withMailbox(user, folder, async (client) => {
    const moved = await client.messageMove(set, target, { uid: true });
    if (!moved) throw new FieldError('target', 'The messages could not be moved there.');
    // Without COPYUID (a server without UIDPLUS) there is nothing to name: no undo then.
    const newUids = uids.map((uid) => moved.uidMap?.get(uid)).filter((uid) => uid !== undefined);
    return { from: folder, to: moved.destination ?? target, uids: newUids };
  });
}

/** Deleting moves to Trash; in Trash (or without one) it removes the messages for good. */
export async function deleteMessages(
  user: WebmailUser,
  folder: string,
  uids: number[],
): Promise<{ result: 'trash'; moved: MovedMessages } | { result: 'expunged' }> {
  const set = uidSet(uids);
  const trash = await folderFor(user, 'trash');
  if (trash && trash !== folder)
    return { result: 'trash', moved: await moveMessages(user, folder, uids, trash) };
  await withMailbox(user, folder, async (client) => {
    await client.messageDelete(set, { uid: true });
  });
  return { result: 'expunged' };
}

/** Marks as junk (or not junk, out of Junk back to INBOX); keywords from RFC 5788's registry. */
export async function markJunk(
  user: WebmailUser,
  folder: string,
  uids: number[],
  junk: boolean,
): Promise<{ folder: string; moved?: MovedMessages }> {
  const set = uidSet(uids);
  const target = junk ? await folderFor(user, 'junk') : 'INBOX';
  if (!target) throw new FieldError('target', 'This mailbox has no Junk folder.');
  await withMailbox(user, folder, async (client) => {
    await client.messageFlagsAdd(set, [junk ? '$Junk' : '$NotJunk'], { uid: true });
    await client.messageFlagsRemove(set, [junk ? '$NotJunk' : '$Junk'], { uid: true });
  });
  if (target !== folder) return { folder: target, moved: await moveMessages(user, folder, uids, target) };
  return { folder: target };
}
