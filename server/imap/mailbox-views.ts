// What sessions on the same folder share, so a thousand of them idling on one INBOX hold one copy:
// the latest UID list and the keywords in use, each valid at one change of the folder's feed.
import { folderKeywords } from '../store';

/**
 * The latest UID list of each folder, shared by every session whose view is at the same change:
 * a thousand sessions idling on a 10,000-message INBOX hold one array, not a thousand.
 */
export const sharedViews = new Map<number, { changeId: number; uids: Uint32Array }>();
const SHARED_VIEW_FOLDERS = 256;

export function shareView(folderId: number, changeId: number, uids: Uint32Array): Uint32Array {
  const shared = sharedViews.get(folderId);
  if (shared && shared.changeId === changeId && shared.uids.length === uids.length) return shared.uids;
  if (!shared || changeId >= shared.changeId) {
    sharedViews.delete(folderId);
    sharedViews.set(folderId, { changeId, uids });
    // Kept after the last session leaves (a re-SELECT reuses it); the least recent folders go.
    for (const oldest of sharedViews.keys()) {
      if (sharedViews.size <= SHARED_VIEW_FOLDERS) break;
      sharedViews.delete(oldest);
    }
  }
  return uids;
}

/** Keywords in use per folder, kept while the folder's change cursor stays put. */
const keywordViews = new Map<number, { changeId: number; keywords: string[] }>();

export async function keywordsAt(folderId: number, changeId: number): Promise<string[]> {
  const known = keywordViews.get(folderId);
  if (known && known.changeId === changeId) return known.keywords;
  const keywords = await folderKeywords(folderId);
  keywordViews.delete(folderId);
  keywordViews.set(folderId, { changeId, keywords });
  if (keywordViews.size > SHARED_VIEW_FOLDERS) keywordViews.delete(keywordViews.keys().next().value!);
  return keywords;
}
