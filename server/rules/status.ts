// What the console shows beside a mailbox: its active script and whether it answers with vacation.
import { db } from '../core/db';
import { deserializeSieve, usesVacation } from '../sieve';

export async function sieveStatus(
  mailboxId: number,
): Promise<{ activeScript: string | null; vacation: boolean }> {
  const active = await db().sieveScript.findUnique({
    where: { activeFor: mailboxId },
    select: { name: true, compiled: true },
  });
  if (!active) return { activeScript: null, vacation: false };
  let vacation = false;
  try {
    vacation = usesVacation(deserializeSieve(active.compiled));
  } catch {
    // A script compiled by an older version: delivery reports it; the indicator stays off.
  }
  return { activeScript: active.name, vacation };
}
