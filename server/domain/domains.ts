// Domains we accept mail for (sendmail's local-host-names, qmail's rcpthosts), and alias domains.
import { db, writeTransaction } from '../core/db';
import { audit, SYSTEM_ACTOR, type Actor } from './audit';
import { FieldError, NotFoundError, isUniqueViolation } from './errors';
import { normalizeDomain } from './names';
import {
  lockDomainMailboxes,
  lockDomainRow,
  removeLockedMailboxes,
  StaleMailboxList,
} from './mailbox-removal';
import { requireSuper, requireDomain, isSuper } from './rights';

export interface DomainSummary {
  id: number;
  domain: string;
  enabled: boolean;
  aliasOf: string | null;
  mailboxes: number;
  aliases: number;
  createdAt: Date;
}

export async function addDomain(
  name: string,
  options: { aliasOf?: string } = {},
  actor: Actor = SYSTEM_ACTOR,
): Promise<DomainSummary> {
  requireSuper(actor);
  const domain = normalizeDomain(name);
  let aliasOfId: number | null = null;
  if (options.aliasOf) {
    const targetName = normalizeDomain(options.aliasOf, 'aliasOf');
    if (targetName === domain) throw new FieldError('aliasOf', 'a domain cannot be an alias of itself');
    const target = await db().domain.findUnique({ where: { domain: targetName } });
    if (!target) throw new FieldError('aliasOf', `${targetName} is not a domain here`);
    if (target.aliasOfId) throw new FieldError('aliasOf', `${targetName} is itself an alias domain`);
    aliasOfId = target.id;
  }
  try {
    const created = await writeTransaction('domain add', async (tx) => {
      const row = await tx.domain.create({ data: { domain, aliasOfId } });
      await audit(tx, actor, 'domain.add', 'domain', domain, null, row);
      return row;
    });
    return {
      id: created.id,
      domain,
      enabled: true,
      aliasOf: options.aliasOf ? normalizeDomain(options.aliasOf) : null,
      mailboxes: 0,
      aliases: 0,
      createdAt: created.createdAt,
    };
  } catch (error) {
    if (isUniqueViolation(error)) throw new FieldError('domain', `${domain} already exists`);
    throw error;
  }
}

export async function listDomains(actor: Actor = SYSTEM_ACTOR): Promise<DomainSummary[]> {
  const where = isSuper(actor) ? {} : { domain: { in: actor.domains ?? [] } };
  const rows = await db().domain.findMany({
    where,
    orderBy: { domain: 'asc' },
    include: { aliasOf: true, _count: { select: { users: true, aliases: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    domain: row.domain,
    enabled: row.enabled,
    aliasOf: row.aliasOf?.domain ?? null,
    mailboxes: row._count.users,
    aliases: row._count.aliases,
    createdAt: row.createdAt,
  }));
}

export async function getDomain(name: string, actor: Actor = SYSTEM_ACTOR) {
  const domain = normalizeDomain(name);
  requireDomain(actor, domain);
  const row = await db().domain.findUnique({
    where: { domain },
    include: { aliasOf: true, aliasDomains: true },
  });
  if (!row) throw new NotFoundError(`domain ${domain}`);
  return row;
}

/**
 * Removes a domain. Refused while it has mailboxes or aliases unless `force` is set, in which case
 * they go too (their stored mail with them).
 */
export async function removeDomain(
  name: string,
  options: { force?: boolean } = {},
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  requireSuper(actor);
  const domain = normalizeDomain(name);
  // Ids read first, so their rows are locked by primary key in id order (the store's order);
  // one added meanwhile is found under the locks and the list is read again.
  for (let attempt = 1; ; attempt++) {
    const known = (await db().user.findMany({ where: { domain }, select: { id: true } })).map(
      (user) => user.id,
    );
    try {
      await writeTransaction('domain remove', async (tx) => {
        await lockDomainRow(tx, domain);
        // Every lock before the first plain read (mailbox-removal.ts): the counts below must see
        // mail committed by a delivery that held a mailbox's row until now.
        const mailboxes = await lockDomainMailboxes(tx, domain, known);
        const row = await tx.domain.findUnique({
          where: { domain },
          include: { _count: { select: { users: true, aliases: true } } },
        });
        if (!row) throw new FieldError('domain', `${domain} does not exist`);
        const { users, aliases } = row._count;
        if ((users > 0 || aliases > 0) && !options.force) {
          throw new FieldError(
            'domain',
            `${domain} still has ${users} mailbox(es) and ${aliases} alias(es); remove them first or confirm removing them too`,
          );
        }
        await tx.alias.deleteMany({ where: { sourceDomain: domain } });
        // Their stored mail's blob references go too (a plain cascade left them counted for ever).
        await removeLockedMailboxes(tx, mailboxes);
        await tx.domain.delete({ where: { domain } });
        await audit(tx, actor, 'domain.remove', 'domain', domain, row, null);
      });
      return;
    } catch (error) {
      if (!(error instanceof StaleMailboxList) || attempt >= 5) throw error;
    }
  }
}

export async function setDomainEnabled(
  name: string,
  enabled: boolean,
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  requireSuper(actor);
  const domain = normalizeDomain(name);
  await writeTransaction('domain enable', async (tx) => {
    const before = await tx.domain.findUnique({ where: { domain } });
    if (!before) throw new FieldError('domain', `${domain} does not exist`);
    const after = await tx.domain.update({ where: { domain }, data: { enabled } });
    await audit(tx, actor, enabled ? 'domain.enable' : 'domain.disable', 'domain', domain, before, after);
  });
}

/** The domain a name resolves to for delivery: itself, or the domain it aliases. Null if not local. */
export async function resolveLocalDomain(name: string): Promise<{ domain: string; enabled: boolean } | null> {
  const row = await db().domain.findUnique({
    where: { domain: name.toLowerCase() },
    include: { aliasOf: true },
  });
  if (!row) return null;
  return row.aliasOf
    ? { domain: row.aliasOf.domain, enabled: row.enabled && row.aliasOf.enabled }
    : { domain: row.domain, enabled: row.enabled };
}
