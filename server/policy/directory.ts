// What the policy needs to know about local domains and mailboxes, behind a small interface so
// the decision logic is plain code; `databaseDirectory` answers from server/domain.
import { db } from '../core/db';
import { expandAddress, resolveLocalDomain, type Expansion } from '../domain';

export interface MailboxState {
  id: number;
  address: string;
  enabled: boolean;
  quotaBytes: bigint;
  usedBytes: bigint;
}

export interface PolicyDirectory {
  /** The domain mail for `name` lands in (itself or the domain it aliases), or null. */
  localDomain(name: string): Promise<{ domain: string; enabled: boolean } | null>;
  /** Recursive alias expansion (server/domain expandAddress). */
  expand(address: string): Promise<Expansion>;
  mailbox(userId: number): Promise<MailboxState | null>;
  /** The mailbox an authenticated login name belongs to. */
  mailboxByAddress(address: string): Promise<MailboxState | null>;
}

function toState(row: { id: number; local: string; domain: string; enabled: boolean; quotaBytes: bigint; usedBytes: bigint }): MailboxState {
  return { id: row.id, address: `${row.local}@${row.domain}`, enabled: row.enabled, quotaBytes: row.quotaBytes, usedBytes: row.usedBytes };
}

export const databaseDirectory: PolicyDirectory = {
  localDomain: (name) => resolveLocalDomain(name),
  expand: (address) => expandAddress(address),
  async mailbox(userId) {
    const row = await db().user.findUnique({ where: { id: userId } });
    return row ? toState(row) : null;
  },
  async mailboxByAddress(address) {
    const at = address.lastIndexOf('@');
    if (at <= 0) return null;
    const domain = await resolveLocalDomain(address.slice(at + 1));
    if (!domain) return null;
    const row = await db().user.findUnique({ where: { local_domain: { local: address.slice(0, at).toLowerCase(), domain: domain.domain } } });
    return row ? toState(row) : null;
  },
};

export function isOverQuota(mailbox: MailboxState, extraBytes = 0): boolean {
  return mailbox.quotaBytes > 0n && mailbox.usedBytes + BigInt(extraBytes) > mailbox.quotaBytes;
}
