// The console's view of a mailbox's Sieve filters: whether a script is active and answers with a
// vacation reply, and turning it off for the user (an admin's help when a rule misfiles mail or
// an out-of-office reply was left on). Rights as for other mailbox changes; audited.
import { db } from '../core/db';
import { audit, type Actor } from '../domain/audit';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import { isSuper, requireDomain } from '../domain/rights';
import { parseAddress } from '../domain/names';
import { activateSieveScript, sieveStatus } from '../rules';

export interface MailboxSieveStatus {
  activeScript: string | null;
  vacation: boolean;
}

async function mailboxFor(
  address: string,
  actor: Actor,
): Promise<{ id: number; role: string; address: string }> {
  const { local, domain } = parseAddress(address);
  requireDomain(actor, domain);
  const row = await db().user.findUnique({
    where: { local_domain: { local, domain } },
    select: { id: true, role: true },
  });
  if (!row) throw new NotFoundError(`mailbox ${local}@${domain}`);
  return { ...row, address: `${local}@${domain}` };
}

export async function mailboxSieveStatus(address: string, actor: Actor): Promise<MailboxSieveStatus> {
  return sieveStatus((await mailboxFor(address, actor)).id);
}

/**
 * Leaves the mailbox with no active script (the scripts are kept for the user to turn back on).
 * A domain admin may do so for their domains' user mailboxes, like any other mailbox change.
 */
export async function deactivateMailboxSieve(address: string, actor: Actor): Promise<MailboxSieveStatus> {
  const mailbox = await mailboxFor(address, actor);
  if (mailbox.role !== 'user' && !isSuper(actor))
    throw new ForbiddenError('only a super admin may change an admin', {
      actor: actor.name,
      role: actor.role,
    });
  const before = await sieveStatus(mailbox.id);
  await activateSieveScript(mailbox.id, null);
  const after = await sieveStatus(mailbox.id);
  await db().$transaction((tx) =>
    audit(tx, actor, 'mailbox.sieve.deactivate', 'mailbox', mailbox.address, before, after),
  );
  return after;
}
