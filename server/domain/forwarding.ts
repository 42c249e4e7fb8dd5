// A user's own forwarding, kept as aliases on their address (the seed's aliases table): the
// destinations, plus the address itself when a copy stays in the mailbox. Users may set it for
// themselves; admins for the mailboxes of their domains.
import { db, writeTransaction } from '../core/db';
import { audit, type Actor } from './audit';
import { FieldError, ForbiddenError } from './errors';
import { parseAddress, formatAddress } from './names';
import { canManageDomain } from './rights';
import { expandAddress } from './aliases';
import { lockMailboxByAddress } from './mailbox-removal';

export interface Forwarding {
  destinations: string[];
  keepCopy: boolean;
}

function checkActor(actor: Actor, address: string, domain: string): void {
  if (actor.name !== address && !canManageDomain(actor, domain))
    throw new ForbiddenError(`not allowed to change forwarding of ${address}`);
}

export async function getForwarding(addressInput: string, actor: Actor): Promise<Forwarding> {
  const { local, domain } = parseAddress(addressInput);
  const address = `${local}@${domain}`;
  checkActor(actor, address, domain);
  const rows = await db().alias.findMany({
    where: { sourceLocal: local, sourceDomain: domain },
    orderBy: { id: 'asc' },
  });
  const targets = rows.map((row) => `${row.destinationLocal}@${row.destinationDomain}`);
  return {
    destinations: targets.filter((target) => target !== address),
    keepCopy: rows.length === 0 || targets.includes(address),
  };
}

/** Replaces the forwarding of a mailbox; an empty list turns forwarding off. Loops are refused. */
export async function setForwarding(
  addressInput: string,
  destinationInputs: string[],
  keepCopy: boolean,
  actor: Actor,
): Promise<Forwarding> {
  const { local, domain } = parseAddress(addressInput);
  const address = `${local}@${domain}`;
  checkActor(actor, address, domain);
  const destinations = [
    ...new Set(destinationInputs.map((input) => formatAddress(parseAddress(input, 'destinations')))),
  ].filter((target) => target !== address);
  if (destinations.length > 20) throw new FieldError('destinations', 'at most 20 forwarding addresses');
  const targets = destinations.length ? [...destinations, ...(keepCopy ? [address] : [])] : [];
  const before = await db().alias.findMany({ where: { sourceLocal: local, sourceDomain: domain } });
  await writeTransaction('forwarding set', async (tx) => {
    // The mailbox's row first (mailbox-removal.ts): its forwarding writers take turns on it.
    if ((await lockMailboxByAddress(tx, local, domain)) === null)
      throw new FieldError('address', `${address} is not a mailbox`);
    await tx.alias.deleteMany({ where: { sourceLocal: local, sourceDomain: domain } });
    for (const target of targets) {
      const parsed = parseAddress(target);
      await tx.alias.create({
        data: {
          sourceLocal: local,
          sourceDomain: domain,
          destinationLocal: parsed.local,
          destinationDomain: parsed.domain,
        },
      });
    }
    await audit(
      tx,
      actor,
      'forwarding.set',
      'mailbox',
      address,
      before.map((row) => `${row.destinationLocal}@${row.destinationDomain}`),
      targets,
    );
  });
  const expansion = await expandAddress(address);
  if (expansion.loops.length > 0) {
    // Put the old forwarding back: the new one would send mail round in circles.
    await writeTransaction('forwarding restore', async (tx) => {
      await tx.alias.deleteMany({ where: { sourceLocal: local, sourceDomain: domain } });
      for (const row of before)
        await tx.alias.create({
          data: {
            sourceLocal: row.sourceLocal,
            sourceDomain: row.sourceDomain,
            destinationLocal: row.destinationLocal,
            destinationDomain: row.destinationDomain,
            enabled: row.enabled,
          },
        });
    });
    throw new FieldError('destinations', `this forwarding makes a loop: ${expansion.loops[0]!.join(' -> ')}`);
  }
  return { destinations, keepCopy: targets.length === 0 || keepCopy };
}
