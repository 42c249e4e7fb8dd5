// Mailboxes (the seed's `users` table): one address, a password hash, a quota and a role.
import { db, writeTransaction } from '../core/db';
import { hashPassword, checkPasswordStrength } from '../auth/password';
import { isSupportedHash } from '../auth/legacy-hashes';
import { revokeAllWebSessions } from '../auth/web-sessions';
import { createDefaultFolders } from '../store/folders';
import { audit, SYSTEM_ACTOR, type Actor } from './audit';
import { FieldError, NotFoundError, ForbiddenError, isUniqueViolation } from './errors';
import { parseAddress, parseSize, normalizeDomain } from './names';
import { requireDomain, isSuper, canManageDomain } from './rights';
import { mailboxSearchWhere } from './mailbox-search';
import { lockMailboxByAddress, removeLockedMailboxes } from './mailbox-removal';

export const ROLES = ['user', 'domain_admin', 'super'] as const;
export type Role = (typeof ROLES)[number];

export interface NewMailbox {
  address: string;
  password: string;
  /** An imported hash kept as it is (bcrypt, sha-crypt, ...) instead of `password`; upgraded at login. */
  passwordHash?: string;
  displayName?: string;
  quota?: string | number;
  role?: string;
  /** For domain admins: the domains they manage. */
  manages?: string[];
}

export interface MailboxView {
  id: number;
  address: string;
  local: string;
  domain: string;
  displayName: string;
  quotaBytes: bigint;
  usedBytes: bigint;
  enabled: boolean;
  role: string;
  manages: string[];
  createdAt: Date;
}

function checkRole(role: string | undefined): Role {
  const value = (role ?? 'user') as Role;
  if (!ROLES.includes(value)) throw new FieldError('role', `must be one of ${ROLES.join(', ')}`);
  return value;
}

function checkDisplayName(name: string | undefined): string {
  const value = (name ?? '').trim();
  if (value.length > 128) throw new FieldError('displayName', 'must be at most 128 characters');
  if (/[\r\n\0]/.test(value)) throw new FieldError('displayName', 'must not contain line breaks');
  return value;
}

export async function addMailbox(input: NewMailbox, actor: Actor = SYSTEM_ACTOR): Promise<MailboxView> {
  const { local, domain } = parseAddress(input.address);
  requireDomain(actor, domain);
  const role = checkRole(input.role);
  if (role !== 'user' && !isSuper(actor))
    throw new ForbiddenError('only a super admin may grant admin roles');
  if (input.passwordHash === undefined) checkPasswordStrength(input.password);
  else if (!isSupportedHash(input.passwordHash))
    throw new FieldError('password', 'is a hash in a scheme Postroom cannot verify');
  const displayName = checkDisplayName(input.displayName);
  const quotaBytes = parseSize(input.quota ?? 0);
  const manages = (input.manages ?? []).map((name) => normalizeDomain(name, 'manages'));
  const passwordHash = input.passwordHash ?? (await hashPassword(input.password));
  try {
    const id = await writeTransaction('mailbox add', async (tx) => {
      const domainRow = await tx.domain.findUnique({ where: { domain } });
      if (!domainRow) throw new FieldError('address', `${domain} is not a domain here; add it first`);
      if (domainRow.aliasOfId)
        throw new FieldError(
          'address',
          `${domain} is an alias domain; add the mailbox at the domain it aliases`,
        );
      const clash = await tx.alias.findFirst({ where: { sourceLocal: local, sourceDomain: domain } });
      if (clash) throw new FieldError('address', `${local}@${domain} is already an alias`);
      const user = await tx.user.create({
        data: { local, domain, passwordHash, displayName, quotaBytes, role },
      });
      for (const name of manages) {
        const managed = await tx.domain.findUnique({ where: { domain: name } });
        if (!managed) throw new FieldError('manages', `${name} is not a domain here`);
        await tx.domainAdmin.create({ data: { userId: user.id, domainId: managed.id } });
      }
      await createDefaultFolders(tx, user.id);
      await audit(tx, actor, 'mailbox.add', 'mailbox', `${local}@${domain}`, null, { ...user, manages });
      return user.id;
    });
    return getMailboxById(id);
  } catch (error) {
    if (isUniqueViolation(error)) throw new FieldError('address', `${local}@${domain} already exists`);
    throw error;
  }
}

async function getMailboxById(id: number): Promise<MailboxView> {
  const row = await db().user.findUnique({
    where: { id },
    include: { managedDomains: { include: { domainR: true } } },
  });
  if (!row) throw new NotFoundError(`mailbox ${id}`);
  return toView(row);
}

function toView(row: {
  id: number;
  local: string;
  domain: string;
  displayName: string;
  quotaBytes: bigint;
  usedBytes: bigint;
  enabled: boolean;
  role: string;
  createdAt: Date;
  managedDomains?: { domainR: { domain: string } }[];
}): MailboxView {
  return {
    id: row.id,
    address: `${row.local}@${row.domain}`,
    local: row.local,
    domain: row.domain,
    displayName: row.displayName,
    quotaBytes: row.quotaBytes,
    usedBytes: row.usedBytes,
    enabled: row.enabled,
    role: row.role,
    manages: (row.managedDomains ?? []).map((m) => m.domainR.domain),
    createdAt: row.createdAt,
  };
}

export async function getMailbox(address: string, actor: Actor = SYSTEM_ACTOR): Promise<MailboxView> {
  const { local, domain } = parseAddress(address);
  if (!(actor.userId !== undefined && actor.name === `${local}@${domain}`)) requireDomain(actor, domain);
  const row = await db().user.findUnique({
    where: { local_domain: { local, domain } },
    include: { managedDomains: { include: { domainR: true } } },
  });
  if (!row) throw new NotFoundError(`mailbox ${local}@${domain}`);
  return toView(row);
}

export type MailboxSort = 'address' | 'created' | 'used';

export interface MailboxQuery {
  search?: string;
  domain?: string;
  sort?: MailboxSort;
  descending?: boolean;
  page?: number;
  pageSize?: number;
}

/** Search, sort and paginate; only the domains the actor manages are visible. */
export async function listMailboxes(
  query: MailboxQuery = {},
  actor: Actor = SYSTEM_ACTOR,
): Promise<{ rows: MailboxView[]; total: number }> {
  const pageSize = Math.min(Math.max(query.pageSize ?? 50, 1), 500);
  const page = Math.max(query.page ?? 1, 1);
  const visible = isSuper(actor) ? undefined : (actor.domains ?? []);
  const domainFilter = query.domain
    ? visible && !visible.includes(query.domain)
      ? ['\0none']
      : [query.domain]
    : visible;
  const search = query.search?.trim().toLowerCase();
  const scope = domainFilter ? { domain: { in: domainFilter } } : {};
  const where = {
    ...scope,
    ...(search ? await mailboxSearchWhere(search, scope) : {}),
  };
  const direction = query.descending ? 'desc' : 'asc';
  const orderBy =
    query.sort === 'created'
      ? [{ createdAt: direction } as const]
      : query.sort === 'used'
        ? [{ usedBytes: direction } as const]
        : [{ domain: direction } as const, { local: direction } as const];
  const [rows, total] = await Promise.all([
    db().user.findMany({
      where,
      orderBy,
      skip: (page - 1) * pageSize,
      take: pageSize,
      include: { managedDomains: { include: { domainR: true } } },
    }),
    db().user.count({ where }),
  ]);
  return { rows: rows.map(toView), total };
}

async function updateMailbox(
  address: string,
  actor: Actor,
  action: string,
  data: Record<string, unknown>,
  allowSelf = false,
): Promise<void> {
  const { local, domain } = parseAddress(address);
  const self = allowSelf && actor.name === `${local}@${domain}`;
  if (!self) requireDomain(actor, domain);
  await writeTransaction('mailbox update', async (tx) => {
    const before = await tx.user.findUnique({ where: { local_domain: { local, domain } } });
    if (!before) throw new FieldError('address', `${local}@${domain} does not exist`);
    if (!self && before.role !== 'user' && !isSuper(actor))
      throw new ForbiddenError('only a super admin may change an admin');
    const after = await tx.user.update({ where: { id: before.id }, data });
    // A new password, a disabled mailbox or another role ends every console and webmail session.
    if (
      after.passwordHash !== before.passwordHash ||
      (before.enabled && !after.enabled) ||
      after.role !== before.role
    )
      await revokeAllWebSessions(before.id, tx);
    await audit(tx, actor, action, 'mailbox', `${local}@${domain}`, before, after);
  });
}

export async function setPassword(
  address: string,
  password: string,
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  checkPasswordStrength(password);
  await updateMailbox(
    address,
    actor,
    'mailbox.passwd',
    { passwordHash: await hashPassword(password), passwordChangedAt: new Date() },
    true,
  );
}

export async function setMailboxEnabled(
  address: string,
  enabled: boolean,
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  await updateMailbox(address, actor, enabled ? 'mailbox.enable' : 'mailbox.disable', { enabled });
}

export async function updateMailboxDetails(
  address: string,
  changes: { displayName?: string; quota?: string | number; role?: string },
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  const data: Record<string, unknown> = {};
  if (changes.displayName !== undefined) data.displayName = checkDisplayName(changes.displayName);
  if (changes.quota !== undefined) data.quotaBytes = parseSize(changes.quota);
  if (changes.role !== undefined) {
    if (!isSuper(actor)) throw new ForbiddenError('only a super admin may change roles');
    data.role = checkRole(changes.role);
  }
  await updateMailbox(address, actor, 'mailbox.update', data);
}

/** Removes the mailbox, its folders and messages. Content blobs no one else uses are collected later. */
export async function removeMailbox(address: string, actor: Actor = SYSTEM_ACTOR): Promise<void> {
  const { local, domain } = parseAddress(address);
  requireDomain(actor, domain);
  await writeTransaction('mailbox remove', async (tx) => {
    // The users row first, by a locking read (mailbox-removal.ts): the store's lock order.
    const id = await lockMailboxByAddress(tx, local, domain);
    const before = id === null ? null : await tx.user.findUnique({ where: { id } });
    if (!before) throw new FieldError('address', `${local}@${domain} does not exist`);
    if (before.role !== 'user' && !isSuper(actor))
      throw new ForbiddenError('only a super admin may remove an admin');
    await removeLockedMailboxes(tx, [before.id]);
    await audit(tx, actor, 'mailbox.remove', 'mailbox', `${local}@${domain}`, before, null);
  });
}

export { canManageDomain };

/**
 * The webmail's address book: the enabled mailboxes of the signed-in user's own domain, address
 * and display name only (no quota, role or hash), for compose autocomplete.
 */
export async function domainDirectory(
  actor: Actor,
  limit = 2000,
): Promise<{ address: string; displayName: string }[]> {
  const at = actor.name.lastIndexOf('@');
  if (actor.userId === undefined || at < 0) return [];
  const domain = actor.name.slice(at + 1);
  const rows = await db().user.findMany({
    where: { domain, enabled: true },
    select: { local: true, domain: true, displayName: true },
    orderBy: { local: 'asc' },
    take: limit,
  });
  return rows.map((row) => ({ address: `${row.local}@${row.domain}`, displayName: row.displayName }));
}
