// VANISHED (EARLIER) for QRESYNC (RFC 7162 3.2.5.2 SELECT, 3.2.6 UID FETCH VANISHED): the UIDs
// expunged since the client's MODSEQ. The change feed is pruned after some days
// (store/change-retention.ts); for a MODSEQ older than what it still holds, the answer is every UID
// the client may know that is not here any more (all gaps below UIDNEXT, within the client's set),
// which RFC 7162 allows: VANISHED may name UIDs the client never saw.
import { expungedSince, expungeHistoryFloor } from '../store';
import { formatSequence, normalise, selectUidIndexes, type SeqRange } from './parser';
import type { SelectedMailbox } from './mailbox';

/** The sequence set to send in `* VANISHED (EARLIER)`, or '' when there is nothing to say. */
export async function vanishedSince(
  mailbox: SelectedMailbox,
  modseq: bigint,
  within: SeqRange[] | null,
): Promise<string> {
  if (modseq >= (await expungeHistoryFloor(mailbox.folderId))) {
    const gone = (await expungedSince(mailbox.folderId, modseq)).filter(
      (uid) => mailbox.seqOf(uid) === 0 && (!within || selectUidIndexes(within, [uid]).length > 0),
    );
    return formatSequence(gone);
  }
  return absentRanges(mailbox.uids, mailbox.uidNext - 1, within)
    .map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`))
    .join(',');
}

/** UID ranges in 1..highest that are not in `present` (sorted), intersected with `within`. */
export function absentRanges(
  present: ArrayLike<number>,
  highest: number,
  within: SeqRange[] | null,
): [number, number][] {
  const gaps: [number, number][] = [];
  let next = 1;
  for (let i = 0; i < present.length && next <= highest; i++) {
    const uid = present[i]!;
    if (uid > next) gaps.push([next, Math.min(uid - 1, highest)]);
    next = Math.max(next, uid + 1);
  }
  if (next <= highest) gaps.push([next, highest]);
  if (!within) return gaps;
  // "*" in a UID set is the highest UID in use (RFC 9051 9): at most UIDNEXT - 1 here.
  const allowed = normalise(within, Math.max(highest, 1));
  const out: [number, number][] = [];
  let j = 0;
  for (const [a, b] of gaps) {
    while (j < allowed.length && allowed[j]![1] < a) j++;
    for (let k = j; k < allowed.length && allowed[k]![0] <= b; k++)
      out.push([Math.max(a, allowed[k]![0]), Math.min(b, allowed[k]![1])]);
  }
  return out;
}
