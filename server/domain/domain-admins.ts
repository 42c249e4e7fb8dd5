// Which domains a domain admin manages (the domain_admins table). Only a super admin grants them.
import { writeTransaction } from '../core/db';
import { audit, type Actor } from './audit';
import { FieldError } from './errors';
import { normalizeDomain, parseAddress } from './names';
import { requireSuper } from './rights';

/** Replaces the set of domains `address` manages (they count only while its role is domain_admin). */
export async function setManagedDomains(
  addressInput: string,
  domainInputs: string[],
  actor: Actor,
): Promise<string[]> {
  requireSuper(actor);
  const { local, domain } = parseAddress(addressInput);
  const wanted = [...new Set(domainInputs.map((name) => normalizeDomain(name, 'manages')))].sort();
  await writeTransaction('domain admins set', async (tx) => {
    const user = await tx.user.findUnique({
      where: { local_domain: { local, domain } },
      include: { managedDomains: { include: { domainR: true } } },
    });
    if (!user) throw new FieldError('address', `${local}@${domain} does not exist`);
    const rows = await tx.domain.findMany({ where: { domain: { in: wanted } } });
    const unknown = wanted.filter((name) => !rows.some((row) => row.domain === name));
    if (unknown.length)
      throw new FieldError(
        'manages',
        `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a domain' : 'are not domains'} here`,
      );
    const before = user.managedDomains.map((managed) => managed.domainR.domain).sort();
    await tx.domainAdmin.deleteMany({ where: { userId: user.id } });
    for (const row of rows) await tx.domainAdmin.create({ data: { userId: user.id, domainId: row.id } });
    await audit(
      tx,
      actor,
      'mailbox.manages',
      'mailbox',
      `${local}@${domain}`,
      { manages: before },
      { manages: wanted },
    );
  });
  return wanted;
}
